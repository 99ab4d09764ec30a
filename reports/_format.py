"""Formatting shared by the report writers: plain data, compact numbers, arrays, metrics.

Nothing here knows about Markdown or HTML; :mod:`._markdown` and :mod:`._html` turn the
pieces into their own markup.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .model import ClaimResult, Report

#: Verdict -> (fill, text colour) in every writer that uses colour.
VERDICT_COLORS: dict[str, tuple[str, str]] = {
    "holds": ("#2e7d32", "#ffffff"),
    "refuted": ("#c62828", "#ffffff"),
    "vacuous": ("#f2a900", "#1f1f1f"),
    "inconclusive": ("#757575", "#ffffff"),
    "error": ("#6a1b9a", "#ffffff"),
    "skipped": ("#d5dadf", "#1f1f1f"),
}
UNKNOWN_COLOR = ("#9e9e9e", "#ffffff")

#: Arrays larger than this along a dimension are shown truncated.
MAX_ROWS = 12
MAX_COLS = 12
#: 3-D and higher arrays: how many leading slices are shown.
MAX_SLICES = 4

NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def verdict_colors(verdict: str) -> tuple[str, str]:
    return VERDICT_COLORS.get(verdict, UNKNOWN_COLOR)


# -- plain data --------------------------------------------------------------------------------


def plain(value: Any, where: str = "value") -> Any:
    """``value`` as plain JSON-like Python data: dicts with string keys, lists, str, int,
    float (possibly non-finite), bool and None.

    NumPy/PyTorch arrays and scalars become (nested) lists and Python numbers (anything with
    ``tolist``), tuples become lists, an integral :class:`~fractions.Fraction` an ``int`` and
    any other one the string ``"p/q"``. Anything else raises :class:`TypeError` naming
    ``where`` it was found, rather than being written as an unreadable ``repr``.
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, Mapping):
        return {_key(k, where): plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    tolist = getattr(value, "tolist", None)
    if callable(tolist):  # numpy / torch arrays and scalars
        return plain(tolist(), where)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"cannot write {where} of type {type(value).__qualname__} to the report")


def _key(key: Any, where: str) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return str(key)
    raise TypeError(f"cannot write a key of type {type(key).__qualname__} in {where}")


def encode_nonfinite(value: Any) -> Any:
    """Replace every NaN/±inf float by the string ``"nan"``/``"inf"``/``"-inf"``."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: encode_nonfinite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encode_nonfinite(v) for v in value]
    return value


def decode_nonfinite(value: Any) -> Any:
    """Inverse of :func:`encode_nonfinite` for numeric data (lists and dicts, recursively)."""
    if isinstance(value, str):
        return NONFINITE.get(value, value)
    if isinstance(value, dict):
        return {k: decode_nonfinite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_nonfinite(v) for v in value]
    return value


# -- numbers -------------------------------------------------------------------------------------


def fmt_number(x: Any, digits: int = 6) -> str:
    """A compact number: integers without decimals (Python and NumPy integers in full,
    integral floats below ``10**digits``), else ``digits`` significant digits with exponents
    unpadded (``1e-5``, ``2.5e6``); ``nan``/``inf``/``-inf``."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, numbers.Integral):
        return str(int(x))
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, numbers.Real):
        f = float(x)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        if f.is_integer() and abs(f) < 10**digits:
            return str(int(f))
        s = f"{f:.{digits}g}"
        if "e" in s:
            mant, exp = s.split("e")
            s = f"{mant}e{int(exp)}"
        return s
    if x is None:
        return "—"
    return str(x)


def fmt_scalar(x: Any) -> str:
    """A scalar of a counterexample or a table cell: numbers compactly, text as is."""
    if isinstance(x, str):
        return x
    return fmt_number(x)


def fmt_percent(rate: Any) -> str:
    if rate is None:
        return "—"
    if isinstance(rate, str):
        return rate
    r = float(rate)
    if math.isnan(r):
        return "nan"
    p = 100 * r
    if 0 < p < 1:
        return "<1%"
    if 99 < p < 100:
        return ">99%"
    return f"{p:.0f}%"


def fmt_duration(seconds: Any) -> str:
    if seconds is None or isinstance(seconds, str):
        return seconds or "—"
    s = float(seconds)
    if not math.isfinite(s):
        return fmt_number(s)
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 60:
        return f"{s:.1f} s"
    m, sec = divmod(round(s), 60)
    if m < 60:
        return f"{m} min {sec} s"
    h, m = divmod(m, 60)
    return f"{h} h {m} min"


def unexpected(c: ClaimResult) -> bool:
    """Whether a decisive verdict (holds/refuted) differs from the one the claim expects: a
    known refutation that is no longer found, or a new one."""
    return c.verdict in ("holds", "refuted") and bool(c.expected) and c.expected != c.verdict


def premise_text(c: ClaimResult) -> str:
    """``"90% (180/200)"``; ``"—"`` without a rate."""
    rate = fmt_percent(c.premise_rate)
    if c.premise_rate is None:
        return rate
    return f"{rate} ({c.premise_met}/{c.examples})"


# -- the "tightness / margin / CI" column ------------------------------------------------------

_ESTIMATE_KEYS = ("estimate", "p_hat", "frequency", "p")
_LOWER_KEYS = ("lower", "lo", "low")
_UPPER_KEYS = ("upper", "hi", "high")
_LEVEL_KEYS = ("confidence", "level")
_TRIALS_KEYS = ("trials", "n", "samples")
_RATIO_KEYS = ("worst_ratio", "ratio", "lhs_over_rhs")


def _first(d: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        if k in d and not isinstance(d[k], (dict, list)):
            return d[k]
    return None


def _interval(d: Mapping[str, Any]) -> tuple[Any, Any] | None:
    for k in ("ci", "interval"):
        v = d.get(k)
        if isinstance(v, (list, tuple)) and len(v) == 2:
            return v[0], v[1]
    lo, hi = _first(d, _LOWER_KEYS), _first(d, _UPPER_KEYS)
    if lo is None and hi is None:
        return None
    return lo, hi


def _scalars(d: Mapping[str, Any], limit: int = 3) -> str:
    parts = [f"{k} {fmt_scalar(v)}" for k, v in d.items() if not isinstance(v, (dict, list, str))]
    return ", ".join(parts[:limit])


def tightness_text(t: Mapping[str, Any]) -> str:
    """``{"worst_ratio": 0.87, ...}`` -> ``"LHS/RHS ≤ 0.87"``; ``{"statistic": "s",
    "worst": 3.2, "direction": "min"}`` -> ``"s: worst 3.2 (min)"``."""
    ratio = _first(t, _RATIO_KEYS)
    if ratio is not None:
        return f"LHS/RHS ≤ {fmt_number(ratio, 4)}"
    worst = t.get("worst")
    if _is_real(worst) or isinstance(worst, str):
        name = t.get("statistic")
        direction = t.get("direction")
        text = f"worst {fmt_number(worst, 4)}"
        if isinstance(direction, str) and direction:
            text += f" ({direction})"
        return f"{name}: {text}" if isinstance(name, str) and name else text
    return _scalars(t)


def confidence_text(cf: Mapping[str, Any]) -> str:
    parts = []
    est = _first(cf, _ESTIMATE_KEYS)
    if est is not None:
        parts.append(f"p̂ {fmt_number(est, 4)}")
    iv = _interval(cf)
    if iv is not None:
        level = _first(cf, _LEVEL_KEYS)
        lead = f"{fmt_number(100 * float(level), 4)}% CI" if _is_real(level) else "CI"
        parts.append(f"{lead} [{fmt_number(iv[0], 4)}, {fmt_number(iv[1], 4)}]")
    bound = cf.get("bound")
    if _is_real(bound):
        parts.append(f"bound {fmt_number(bound, 4)}")
    n = _first(cf, _TRIALS_KEYS)
    if n is not None:
        parts.append(f"n={fmt_scalar(n)}")
    return ", ".join(parts) if parts else _scalars(cf)


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def metric_text(c: ClaimResult) -> str:
    """The numbers behind a verdict in one short line: worst tightness of an inequality,
    smallest rank margin, Monte Carlo estimate and confidence interval."""
    parts = []
    if c.tightness:
        parts.append(tightness_text(c.tightness))
    if c.min_margin is not None:
        parts.append(f"margin {fmt_number(c.min_margin, 3)}")
    if c.confidence:
        parts.append(confidence_text(c.confidence))
    return "; ".join(p for p in parts if p) or "—"


def mutation_text(c: ClaimResult) -> str:
    """``killed/mutants`` of a mutated claim (``rankclaims mutate``), ``—`` otherwise."""
    m = c.mutation
    if not m or not m.get("mutants"):
        return "—"
    return f"{m.get('killed', 0)}/{m['scored']}"


# -- the "instances/s" column and the run's totals ---------------------------------------------


def fmt_rate(rate: Any) -> str:
    """Instances per second: whole numbers from 100 up (``"12345"``), else three significant
    digits (``"56.8"``, ``"0.421"``); ``"—"`` without a rate."""
    if isinstance(rate, str):
        return rate or "—"
    if rate is None or isinstance(rate, bool):
        return "—"
    r = float(rate)
    if math.isfinite(r) and r >= 100:
        return fmt_number(round(r))
    return fmt_number(r, 3)


def instances_text(c: ClaimResult) -> str:
    """What the instances/s of a claim rests on: ``"2500 instances in 25 examples (batches
    of up to 100), 2.0 s, on cpu"``."""
    if not c.instances:
        return f"instances not recorded; {fmt_duration(c.duration_s)}, on {c.device}"
    if c.batched or c.batch_size > 1:
        how = f"in {fmt_number(c.examples)} examples (batches of up to {c.batch_size})"
    else:
        how = "(one per example: not batched)"
    return f"{fmt_number(c.instances)} instances {how}, {fmt_duration(c.duration_s)}, on {c.device}"


def run_totals(claims: list[ClaimResult]) -> dict[str, Any]:
    """The run's totals: instances checked, search time (the claims' durations summed: more
    than the wall time of a run spread over workers), instances per second of search, the
    batched claims and the devices used."""
    instances = sum(c.instances for c in claims)
    search_s = sum(c.duration_s for c in claims)
    return {
        "instances": instances,
        "search_s": search_s,
        "instances_per_s": instances / search_s if instances and search_s > 0 else None,
        "batched": sum(1 for c in claims if c.batched or c.batch_size > 1),
        "devices": sorted({c.device for c in claims}),
    }


def totals_text(claims: list[ClaimResult]) -> str:
    """``"12345 instances checked (4 claims batched) in 62.0 s of search (sum over the
    claims): 199 instances/s, on cpu"``."""
    t = run_totals(claims)
    search = f"{fmt_duration(t['search_s'])} of search (sum over the claims)"
    devices = ", ".join(t["devices"]) or "—"
    if not t["instances"]:
        return f"{search}, on {devices}; instances not recorded"
    n = t["batched"]
    batched = f" ({n} claim{'s' if n != 1 else ''} batched)" if n else ""
    return (
        f"{fmt_number(t['instances'])} instances checked{batched} in {search}: "
        f"{fmt_rate(t['instances_per_s'])} instances/s, on {devices}"
    )


# -- arrays ---------------------------------------------------------------------------------------


@dataclass
class ArrayView:
    """A rectangular array of scalars (given as nested lists), ready to print."""

    shape: tuple[int, ...]
    data: Any

    @property
    def ndim(self) -> int:
        return len(self.shape)


def _is_scalar(x: Any) -> bool:
    return x is None or isinstance(x, (str, numbers.Number))


def as_array(value: Any) -> ArrayView | None:
    """An :class:`ArrayView` when ``value`` is a rectangular nested list of scalars (or an
    array), else None."""
    try:
        value = plain(value)
    except TypeError:
        return None
    if not isinstance(value, list):
        return None
    shape = _shape(value)
    if shape is None:
        return None
    return ArrayView(shape, value)


def _shape(value: Any) -> tuple[int, ...] | None:
    if _is_scalar(value):
        return ()
    if not isinstance(value, list):
        return None
    if not value:
        return (0,)
    inner = [_shape(v) for v in value]
    if inner[0] is None or any(s != inner[0] for s in inner):
        return None
    return (len(value), *inner[0])


def visible(n: int, limit: int) -> list[int | None]:
    """Indices to show of ``n`` items: all when ``n <= limit``, else the first ones, an
    ellipsis (None) and the last two."""
    if n <= limit:
        return list(range(n))
    head = limit - 3
    return [*range(head), None, n - 2, n - 1]


def matrix_cells(a: ArrayView) -> tuple[list[list[str]], str]:
    """A 1-D or 2-D array as rows of formatted cells (``"…"``/``"⋮"`` where truncated) and a
    note saying what was left out (empty when nothing was)."""
    rows = a.data if a.ndim == 2 else [a.data]
    nrows = len(rows)
    ncols = len(rows[0]) if rows else 0
    ri, ci = visible(nrows, MAX_ROWS), visible(ncols, MAX_COLS)
    out = []
    for i in ri:
        if i is None:
            out.append(["⋮" if j is not None else "⋱" for j in ci])
        else:
            out.append(["…" if j is None else fmt_scalar(rows[i][j]) for j in ci])
    notes = []
    if a.ndim == 2 and len(ri) < nrows:
        notes.append(f"{len(ri) - 1} of {nrows} rows")
    if len(ci) < ncols:
        notes.append(f"{len(ci) - 1} of {ncols} {'columns' if a.ndim == 2 else 'entries'}")
    return out, ("showing " + ", ".join(notes)) if notes else ""


def shape_text(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"vector of length {shape[0]}"
    return "×".join(str(s) for s in shape)


def text_matrix(a: ArrayView) -> str:
    """A 1-D or 2-D array as NumPy-like text with right-aligned columns."""
    cells, _ = matrix_cells(a)
    if not cells or not cells[0]:
        return "[]"
    widths = [max(len(r[j]) for r in cells) for j in range(len(cells[0]))]
    lines = [" ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    if a.ndim == 1:
        return f"[{lines[0]}]"
    out = []
    for i, line in enumerate(lines):
        left = "[[" if i == 0 else " ["
        right = "]]" if i == len(lines) - 1 else "]"
        out.append(f"{left}{line}{right}")
    return "\n".join(out)


def slices(a: ArrayView) -> tuple[list[tuple[str, ArrayView]], str]:
    """A 3-D or higher array as its leading 2-D slices ``[i, j, …]`` (the first
    :data:`MAX_SLICES`), and a note when some were left out."""
    lead = a.shape[:-2]
    out: list[tuple[str, ArrayView]] = []
    total = math.prod(lead)

    def walk(data: Any, index: tuple[int, ...]) -> None:
        if len(out) >= MAX_SLICES:
            return
        if len(index) == len(lead):
            out.append((f"[{', '.join(map(str, index))}, :, :]", ArrayView(a.shape[-2:], data)))
            return
        for i, sub in enumerate(data):
            walk(sub, (*index, i))

    walk(a.data, ())
    note = f"showing {len(out)} of {total} slices" if len(out) < total else ""
    return out, note


# -- claims and papers -----------------------------------------------------------------------------


def papers_in_order(report: Report) -> list[tuple[str, list[ClaimResult]]]:
    """Papers in the order their first claim appears, each with its claims in report order."""
    groups: dict[str, list[ClaimResult]] = {}
    for c in report.claims:
        groups.setdefault(c.paper, []).append(c)
    return list(groups.items())


def claim_name(cid: str, by_id: Mapping[str, ClaimResult], paper: str | None = None) -> str:
    """A claim's label (prefixed by its paper when that differs from ``paper``); the raw id
    when the claim is not in the report."""
    c = by_id.get(cid)
    if c is None:
        return cid
    return c.label if c.paper == paper else f"{c.paper} {c.label}"


def support_text(c: ClaimResult, by_id: Mapping[str, ClaimResult]) -> str:
    """``"Lemma 3 (refuted), Lemma 4 (vacuous)"``: what ``c`` loses its support through."""
    parts = []
    for dep in c.unsupported_by:
        d = by_id.get(dep)
        name = claim_name(dep, by_id, c.paper)
        parts.append(f"{name} ({d.verdict})" if d is not None else name)
    return ", ".join(parts)
