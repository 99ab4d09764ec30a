"""Print the benchmarks' ratios to rankclaims from pytest-benchmark's JSON output.

Usage::

    pytest tests/benchmarks --benchmark-only --benchmark-json=/tmp/bench.json
    python tests/benchmarks/ratios.py /tmp/bench.json

Per benchmark group: each contender's median time (with min and IQR, since a shared machine
is noisy), its ratio to rankclaims' median (``numpy / rankclaims = 1.7x``: above 1 means
rankclaims is faster), the ratio of the fastest other contender, and any memory figures the
benchmarks stored in ``extra_info``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REFERENCE = "rankclaims"


def _contender(bench: dict) -> str:
    extra = bench.get("extra_info") or {}
    params = bench.get("params") or {}
    return str(extra.get("contender") or params.get("contender") or bench["name"])


def _time(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:8.3f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds * 1e6:8.1f} us"


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:9.2f} MB"


def _memory_lines(rows: list[tuple[str, dict]]) -> list[str]:
    lines = []
    product = None
    for name, bench in rows:
        extra = bench.get("extra_info") or {}
        product = extra.get("product_bytes", product)
        parts = []
        if "tracemalloc_peak_bytes" in extra:
            parts.append(
                f"tracemalloc peak {_mb(extra['tracemalloc_peak_bytes'])} "
                f"({extra.get('tracemalloc_peak_fraction', float('nan')):.3f} of product)"
            )
        if "rss_peak_growth_bytes" in extra:
            parts.append(
                f"RSS peak growth {_mb(extra['rss_peak_growth_bytes'])} "
                f"({extra.get('rss_peak_growth_fraction', float('nan')):.3f} of product)"
            )
        if parts:
            lines.append(f"    {name:<12} " + "   ".join(parts))
    if lines and product is not None:
        lines.insert(0, f"  memory (formed product: {_mb(product).strip()}):")
    ref = dict(rows).get(REFERENCE, {}).get("extra_info") or {}
    for name, bench in rows:
        extra = bench.get("extra_info") or {}
        if name == REFERENCE:
            continue
        for key, label in (
            ("tracemalloc_peak_bytes", "tracemalloc"),
            ("rss_peak_growth_bytes", "RSS"),
        ):
            if ref.get(key) and key in extra:
                lines.append(
                    f"    {label} peak: {name} / {REFERENCE} = {extra[key] / ref[key]:.2f}x"
                )
    return lines


def report(path: Path) -> str:
    data = json.loads(path.read_text())
    groups: dict[str, list[tuple[str, dict]]] = {}
    for bench in data["benchmarks"]:
        groups.setdefault(bench.get("group") or "(no group)", []).append((_contender(bench), bench))
    info = data.get("machine_info") or {}
    cpu = (info.get("cpu") or {}).get("brand_raw", "?")
    out = [f"# {path}  ({data.get('datetime', '?')}; {info.get('node', '?')}, {cpu})"]
    for group, rows in groups.items():
        out.append(f"\n== {group} ==")
        medians = {name: bench["stats"]["median"] for name, bench in rows}
        ref = medians.get(REFERENCE)
        for name, bench in rows:
            st = bench["stats"]
            line = (
                f"  {name:<12} median {_time(st['median'])}  min {_time(st['min'])}  "
                f"iqr {_time(st['iqr'])}  rounds {st['rounds']:>3}"
            )
            if ref and name != REFERENCE:
                line += f"   {name} / {REFERENCE} = {st['median'] / ref:.2f}x"
            out.append(line)
        others = {k: v for k, v in medians.items() if k != REFERENCE}
        if ref and len(others) > 1:
            best = min(others, key=others.get)
            out.append(f"  fastest other ({best}) / {REFERENCE} = {others[best] / ref:.2f}x")
        out.extend(_memory_lines(rows))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+", type=Path, help="--benchmark-json output file(s)")
    args = parser.parse_args(argv)
    print("\n\n".join(report(p) for p in args.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
