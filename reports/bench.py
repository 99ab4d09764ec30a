"""``rankclaims bench``: the rank kernels and a fixed claim workload, timed against NumPy and
PyTorch in the same run.

Three parts, each printed as a table as it finishes:

- ``matrix_rank``: for each matrix size ``n`` a batch of ``n x n`` matrices of rank ``n/2``
  (products of Gaussian factors, fixed seed), float64 and float32, timed with
  :func:`rankclaims.kernels.matrix_rank` on the device, ``numpy.linalg.matrix_rank`` on the
  CPU and ``torch.linalg.matrix_rank`` on the device. The batch holds about
  ``entries / n**2`` matrices (at least one), so that every measurement takes a fraction of
  a second. Throughput is matrices per second of the best of ``repeats`` timed calls (after
  one untimed warm-up call); a ratio is ``rankclaims throughput / other throughput`` (above
  1: rankclaims is faster). The three contenders' ranks are compared and every disagreement
  is reported, never hidden.
- ``khatri_rao_rank``: :func:`rankclaims.kernels.khatri_rao_rank` against forming the product
  (:func:`rankclaims.kernels.khatri_rao`) and deciding its rank with
  ``numpy.linalg.matrix_rank`` (CPU) and ``torch.linalg.matrix_rank`` (device).
- claims: each claim of a fixed list run by :func:`rankclaims.claims.run_claim` (seed 0):
  verdict, examples, instances, instances per second, duration.

On CUDA (``device="cuda"``) every timed call ends with ``torch.cuda.synchronize()``, and the
GPU targets of the design (batched small-matrix rank at least 20 times NumPy's CPU throughput
and at least ``torch.linalg.matrix_rank``'s on the same GPU) are evaluated for ``n <= 64``.

:func:`run_bench` returns all numbers as one JSON-ready dict (with the environment block of
:func:`rankclaims.reports.cli.environment`) and, given ``out``, writes it atomically.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

__all__ = [
    "DEFAULT_CLAIMS",
    "KR_SHAPES",
    "QUICK_KR_SHAPES",
    "QUICK_SIZES",
    "SCHEMA",
    "SIZES",
    "BenchError",
    "run_bench",
    "write_json",
]

#: Format tag of the JSON output.
SCHEMA = "rankclaims-bench/1"
#: Matrix sizes ``n`` of the full run and of ``quick=True``.
SIZES: tuple[int, ...] = (8, 16, 32, 64, 128, 256, 512, 1024)
QUICK_SIZES: tuple[int, ...] = (8, 16, 32, 64, 128)
#: Entries (``batch * n**2``) per batch: about 0.1-0.5 s per NumPy call on one CPU core.
ENTRIES = {"cpu": 1 << 21, "cuda": 1 << 23}
QUICK_ENTRIES = 1 << 17
#: Timed calls per measurement (best of), and the time after which no further call is made.
REPEATS, QUICK_REPEATS = 5, 3
MEASURE_BUDGET_S, QUICK_MEASURE_BUDGET_S = 1.5, 0.3
#: Khatri-Rao shapes ``(d_b, d_c, N, r)``: B is ``d_b x N`` of rank ``r_b = min(r, d_b)``, C
#: likewise, so the product has rank ``min(N, r_b * r_c)`` (``r = 0``: full-rank factors).
KR_SHAPES: tuple[tuple[int, int, int, int], ...] = (
    (30, 30, 800, 0),
    (20, 20, 300, 10),
    (100, 100, 2000, 0),
)
QUICK_KR_SHAPES: tuple[tuple[int, int, int, int], ...] = ((10, 10, 50, 0), (12, 12, 100, 6))
#: The claim workload: fast claims across the four papers (about a second in all on the
#: quick profile, on two CPU cores).
DEFAULT_CLAIMS: tuple[str, ...] = (
    # batched: each example a batch of instances decided by one kernel call
    "sankar2018/lemma-1-part-1",
    "sankar2018/lemma-3",
    "sankar2018/corollary-1",
    "sankar2018/corollary-2-corrected",
    "sankar2018/theorem-1",
    "soudry2016/fact-2",
    "daneshmand2020/lemma-1-part-2",
    "daneshmand2020/lemma-5-corrected",
    # unbatched (a network and autograd per example), for comparison
    "galanti2022/lemma-1",
    "galanti2022/lemma-2",
    "soudry2016/theorem-4",
)
#: GPU targets: batched small-matrix rank (``n <= SMALL_N``) against NumPy on the CPU and
#: ``torch.linalg.matrix_rank`` on the same GPU.
SMALL_N = 64
TARGETS = {"rankclaims/numpy": 20.0, "rankclaims/torch": 1.0}

CONTENDERS = ("rankclaims", "numpy", "torch")
KR_CONTENDERS = ("rankclaims", "formed-numpy", "formed-torch")


class BenchError(ValueError):
    """A benchmark that cannot run as asked (no CUDA device, an unknown claim, bad sizes)."""


# -- devices and timing ------------------------------------------------------------------------


def _torch():
    import torch

    return torch


def resolve_device(device: str) -> str:
    """``"cpu"`` or a CUDA device string; raise :class:`BenchError` if CUDA is unavailable."""
    device = str(device).strip().lower()
    if device == "cpu":
        return device
    if device == "cuda" or device.startswith("cuda:"):
        torch = _torch()
        if not torch.cuda.is_available():
            raise BenchError(
                f"--device {device} was asked for, but CUDA is not available "
                f"(torch {torch.__version__}, built with CUDA {torch.version.cuda or 'none'})"
            )
        return device
    raise BenchError(f"unknown device {device!r}: use cpu or cuda")


def _sync(device: str) -> None:
    if device != "cpu":
        _torch().cuda.synchronize(device)


def _best_time(
    fn: Callable[[], Any], *, device: str, repeats: int, budget_s: float
) -> tuple[float, Any]:
    """Best wall time of ``fn()`` over up to ``repeats`` timed calls (at least one), after one
    untimed warm-up call; stops early once the timed calls have taken ``budget_s``. Returns
    ``(seconds, result of the warm-up call)``."""
    result = fn()
    _sync(device)
    best, spent = math.inf, 0.0
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        dt = time.perf_counter() - t0
        best, spent = min(best, dt), spent + dt
        if spent >= budget_s:
            break
    return best, result


def _as_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _ratio(ours_s: float, other_s: float) -> float:
    """rankclaims throughput / other throughput = other's time / ours."""
    return other_s / ours_s if ours_s > 0 else math.inf


def _disagreements(ranks: dict[str, np.ndarray], expected: int | None) -> dict[str, int]:
    """How many matrices each pair of contenders ranked differently (and each contender
    differently from the rank the workload was built with)."""
    out: dict[str, int] = {}
    names = list(ranks)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            out[f"{a} vs {b}"] = int(np.count_nonzero(ranks[a] != ranks[b]))
    if expected is not None:
        for a in names:
            out[f"{a} vs expected"] = int(np.count_nonzero(ranks[a] != expected))
    return out


# -- workloads ---------------------------------------------------------------------------------


def half_rank_batch(batch: int, n: int, dtype: str = "float64") -> np.ndarray:
    """``batch`` ``n x n`` matrices of rank ``max(n // 2, 1)``, products of Gaussian factors
    (a fixed seed per shape), as a C-contiguous array of ``dtype``."""
    r = max(n // 2, 1)
    rng = np.random.default_rng([20250101, batch, n])
    left = rng.standard_normal((batch, n, r))
    right = rng.standard_normal((batch, r, n))
    return np.ascontiguousarray((left @ right).astype(dtype, copy=False))


def batch_for(n: int, entries: int) -> int:
    """Matrices per batch: about ``entries`` entries, at least one matrix."""
    return max(1, entries // (n * n))


def _kr_factors(db: int, dc: int, n: int, r: int) -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng([20250102, db, dc, n, r])

    def factor(d: int) -> tuple[np.ndarray, int]:
        if r <= 0 or r >= d:
            return rng.standard_normal((d, n)), d
        return rng.standard_normal((d, r)) @ rng.standard_normal((r, n)), r

    b, rb = factor(db)
    c, rc = factor(dc)
    return b, c, min(n, rb * rc)


# -- the three parts ---------------------------------------------------------------------------


def bench_matrix_rank(
    sizes: Iterable[int],
    *,
    device: str,
    dtypes: Sequence[str] = ("float64", "float32"),
    entries: int,
    repeats: int,
    budget_s: float,
    emit: Callable[[str], None],
) -> list[dict[str, Any]]:
    torch = _torch()
    from rankclaims.kernels import matrix_rank

    rows = []
    emit(
        f"\nmatrix_rank: batches of n x n matrices of rank n/2; matrices/s, best of {repeats} "
        f"(numpy on the CPU, rankclaims and torch on {device}); ratio = rankclaims / other"
    )
    emit(
        f"{'n':>5} {'dtype':8} {'batch':>7} {'rankclaims':>11} {'numpy':>11} {'torch':>11} "
        f"{'vs numpy':>9} {'vs torch':>9}  ranks"
    )
    for n in sizes:
        batch = batch_for(n, entries)
        for dtype in dtypes:
            a = half_rank_batch(batch, n, dtype)
            t = torch.from_numpy(a).to(device)
            _sync(device)
            fns = {
                "rankclaims": (lambda a=a, t=t: matrix_rank(t if device != "cpu" else a)),
                "numpy": (lambda a=a: np.linalg.matrix_rank(a)),
                "torch": (lambda t=t: torch.linalg.matrix_rank(t)),
            }
            seconds, ranks = {}, {}
            for name in CONTENDERS:
                seconds[name], res = _best_time(
                    fns[name], device=device, repeats=repeats, budget_s=budget_s
                )
                ranks[name] = _as_numpy(res).reshape(batch)
            expected = max(n // 2, 1)
            dis = _disagreements(ranks, expected)
            row = {
                "n": n,
                "dtype": dtype,
                "batch": batch,
                "expected_rank": expected,
                "seconds": seconds,
                "matrices_per_s": {k: batch / v for k, v in seconds.items()},
                "ratio": {
                    "rankclaims/numpy": _ratio(seconds["rankclaims"], seconds["numpy"]),
                    "rankclaims/torch": _ratio(seconds["rankclaims"], seconds["torch"]),
                },
                "disagreements": dis,
                "agree": all(v == 0 for k, v in dis.items() if "expected" not in k),
            }
            rows.append(row)
            emit(_matrix_row(row))
            del a, t
    return rows


def _rate(x: float) -> str:
    return f"{x:11.4g}"


def _ranks_text(row: dict[str, Any]) -> str:
    dis = row["disagreements"]
    if all(v == 0 for v in dis.values()):
        return f"all agree (rank {row['expected_rank']})"
    bad = ", ".join(f"{k}: {v}" for k, v in dis.items() if v)
    return f"DISAGREE ({bad} of {row.get('batch', 1)})"


def _matrix_row(row: dict[str, Any]) -> str:
    mps, ratio = row["matrices_per_s"], row["ratio"]
    return (
        f"{row['n']:>5} {row['dtype']:8} {row['batch']:>7} {_rate(mps['rankclaims'])} "
        f"{_rate(mps['numpy'])} {_rate(mps['torch'])} "
        f"{ratio['rankclaims/numpy']:>8.2f}x {ratio['rankclaims/torch']:>8.2f}x  "
        + _ranks_text(row)
    )


def bench_khatri_rao(
    shapes: Iterable[tuple[int, int, int, int]],
    *,
    device: str,
    repeats: int,
    budget_s: float,
    emit: Callable[[str], None],
) -> list[dict[str, Any]]:
    torch = _torch()
    from rankclaims.kernels import khatri_rao, khatri_rao_rank

    rows = []
    emit(
        f"\nkhatri_rao_rank (float64) against forming the product: seconds per call, best of "
        f"{repeats}; ratio = formed time / rankclaims time"
    )
    emit(
        f"{'d_b x d_c x N':>16} {'rank':>5} {'rankclaims':>11} {'formed-np':>11} "
        f"{'formed-torch':>12} {'vs numpy':>9} {'vs torch':>9}  ranks"
    )
    for db, dc, n, r in shapes:
        b, c, expected = _kr_factors(db, dc, n, r)
        tb, tc = torch.from_numpy(b).to(device), torch.from_numpy(c).to(device)
        _sync(device)
        ours = (tb, tc) if device != "cpu" else (b, c)
        fns = {
            "rankclaims": (lambda ours=ours: khatri_rao_rank(*ours)),
            "formed-numpy": (lambda b=b, c=c: np.linalg.matrix_rank(khatri_rao(b, c))),
            "formed-torch": (lambda tb=tb, tc=tc: torch.linalg.matrix_rank(khatri_rao(tb, tc))),
        }
        seconds, ranks = {}, {}
        for name in KR_CONTENDERS:
            seconds[name], res = _best_time(
                fns[name], device=device, repeats=repeats, budget_s=budget_s
            )
            ranks[name] = _as_numpy(res).reshape(1)
        dis = _disagreements(ranks, expected)
        row = {
            "d_b": db,
            "d_c": dc,
            "N": n,
            "factor_rank": r or None,
            "expected_rank": expected,
            "product_bytes": db * dc * n * 8,
            "seconds": seconds,
            "ranks": {k: int(v[0]) for k, v in ranks.items()},
            "ratio": {
                "rankclaims/formed-numpy": _ratio(seconds["rankclaims"], seconds["formed-numpy"]),
                "rankclaims/formed-torch": _ratio(seconds["rankclaims"], seconds["formed-torch"]),
            },
            "disagreements": dis,
            "agree": all(v == 0 for k, v in dis.items() if "expected" not in k),
        }
        rows.append(row)
        emit(
            f"{f'{db}x{dc}x{n}':>16} {expected:>5} {seconds['rankclaims']:>10.4g}s "
            f"{seconds['formed-numpy']:>10.4g}s {seconds['formed-torch']:>11.4g}s "
            f"{row['ratio']['rankclaims/formed-numpy']:>8.3g}x "
            f"{row['ratio']['rankclaims/formed-torch']:>8.3g}x  " + _ranks_text(row)
        )
    return rows


def bench_claims(
    ids: Sequence[str], *, profile: str, device: str, emit: Callable[[str], None]
) -> list[dict[str, Any]]:
    from rankclaims.claims import get_claim, run_claim

    rows = []
    emit(f"\nclaims (profile {profile}, seed 0, device {device})")
    emit(
        f"{'claim':45} {'verdict':12} {'examples':>8} {'instances':>9} {'inst/s':>10} "
        f"{'seconds':>8}"
    )
    for cid in ids:
        r = run_claim(get_claim(cid), profile=profile, seed=0, device=device)
        # ``instances`` is new; results that do not fill it count one instance per example
        instances = getattr(r, "instances", None) or r.examples
        per_s = getattr(r, "instances_per_s", None)
        derived = per_s is None
        if derived:
            per_s = instances / r.duration_s if r.duration_s > 0 else None
        row = {
            "id": r.id,
            "verdict": r.verdict,
            "expected": r.expected,
            "examples": r.examples,
            "instances": instances,
            "instances_per_s": per_s,
            "instances_per_s_derived": derived,
            "batch_size": getattr(r, "batch_size", 1),
            "duration_s": r.duration_s,
            "error": (r.error or "").strip().splitlines()[-1] if r.error else None,
        }
        rows.append(row)
        mark = "" if r.verdict == r.expected else f" (expected {r.expected})"
        rate = "-" if per_s is None else f"{per_s:.4g}" + ("*" if derived else "")
        emit(
            f"{r.id:45} {r.verdict + mark:12} {r.examples:>8} {instances:>9} {rate:>10} "
            f"{r.duration_s:>8.3f}"
        )
    if any(row["instances_per_s_derived"] for row in rows):
        emit("  * instances / duration (the result carries no instances_per_s)")
    total = sum(row["duration_s"] for row in rows)
    inst = sum(row["instances"] for row in rows)
    rate = inst / total if total else 0.0
    emit(f"{'total':45} {'':12} {'':>8} {inst:>9} {rate:>10.4g} {total:>8.3f}")
    return rows


def _targets(rows: list[dict[str, Any]], device: str) -> dict[str, Any]:
    """The GPU targets for ``n <= SMALL_N``, float64 and float32; evaluated on CUDA only."""
    small = [r for r in rows if r["n"] <= SMALL_N]
    checks = []
    for r in small:
        for key, goal in TARGETS.items():
            checks.append(
                {
                    "n": r["n"],
                    "dtype": r["dtype"],
                    "ratio": key,
                    "target": goal,
                    "measured": r["ratio"][key],
                    "met": r["ratio"][key] >= goal,
                }
            )
    return {
        "applies": device != "cpu",
        "small_n": SMALL_N,
        "targets": dict(TARGETS),
        "checks": checks,
        "met": (all(c["met"] for c in checks) if checks else None) if device != "cpu" else None,
    }


# -- entry point -------------------------------------------------------------------------------


def write_json(data: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``data`` as strict JSON (non-finite floats as strings), atomically: a temporary
    file beside ``path``, fsynced, renamed over it."""
    from rankclaims.reports._format import encode_nonfinite, plain
    from rankclaims.reports.writers import _fsync_dir, _unlink, _write_temp

    target = Path(path)
    directory = target.parent
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(encode_nonfinite(plain(data, "bench")), indent=2, allow_nan=False) + "\n"
    tmp = _write_temp(directory, target.name, text)
    try:
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            _unlink(tmp)
    _fsync_dir(directory)
    return target


def _check_sizes(sizes: Iterable[int]) -> tuple[int, ...]:
    out = tuple(int(n) for n in sizes)
    if not out or any(n < 1 for n in out):
        raise BenchError(f"sizes must be positive integers; got {list(out)}")
    return out


def run_bench(
    *,
    device: str = "cpu",
    sizes: Iterable[int] | None = None,
    quick: bool = False,
    claims: Sequence[str] | None = None,
    profile: str = "quick",
    kernels: bool = True,
    khatri_rao: bool = True,
    run_claims: bool = True,
    kr_shapes: Iterable[tuple[int, int, int, int]] | None = None,
    entries: int | None = None,
    repeats: int | None = None,
    out: str | os.PathLike[str] | None = None,
    stream: TextIO | None = None,
) -> dict[str, Any]:
    """Run the benchmarks, print their tables to ``stream`` (default: stdout) as they finish,
    and return every number as a JSON-ready dict (written atomically to ``out`` if given).

    ``sizes``: matrix sizes (default :data:`SIZES`, or :data:`QUICK_SIZES` when ``quick``);
    ``claims``: claim ids (default :data:`DEFAULT_CLAIMS`); ``quick`` also takes smaller
    batches, fewer repeats and smaller Khatri-Rao shapes. Raises :class:`BenchError` before
    measuring anything if CUDA is asked for and unavailable, or a claim id is unknown.
    """
    from rankclaims.claims import PROFILES, claims_of, get_claim
    from rankclaims.reports.cli import environment

    stream = sys.stdout if stream is None else stream

    def emit(line: str) -> None:
        print(line, file=stream, flush=True)

    device = resolve_device(device)
    kind = "cpu" if device == "cpu" else "cuda"
    sizes = _check_sizes(sizes if sizes is not None else (QUICK_SIZES if quick else SIZES))
    claim_ids = tuple(claims) if claims else DEFAULT_CLAIMS
    if run_claims:
        if profile not in PROFILES:
            raise BenchError(f"unknown profile {profile!r}; choose from {sorted(PROFILES)}")
        claims_of(None)  # registers every paper's claims
        for cid in claim_ids:
            try:
                get_claim(cid)
            except KeyError as exc:
                raise BenchError(str(exc.args[0] if exc.args else exc)) from None
    entries = entries or (QUICK_ENTRIES if quick else ENTRIES[kind])
    repeats = repeats or (QUICK_REPEATS if quick else REPEATS)
    budget_s = QUICK_MEASURE_BUDGET_S if quick else MEASURE_BUDGET_S
    kr_shapes = (
        tuple(kr_shapes) if kr_shapes is not None else (QUICK_KR_SHAPES if quick else KR_SHAPES)
    )

    env = environment()
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": env,
        "device": device,
        "config": {
            "quick": quick,
            "sizes": list(sizes),
            "entries_per_batch": entries,
            "repeats": repeats,
            "measure_budget_s": budget_s,
            "khatri_rao_shapes": [list(s) for s in kr_shapes] if khatri_rao else [],
            "claims": list(claim_ids) if run_claims else [],
            "profile": profile,
        },
        "matrix_rank": [],
        "khatri_rao_rank": [],
        "claims": [],
    }
    emit(
        f"rankclaims bench on {device} ({env['cuda'] if kind == 'cuda' else 'CPU'}; "
        f"{env['cpu_threads']} torch threads; numpy {env['numpy']}, torch {env['torch']})"
    )
    t0 = time.perf_counter()
    if kernels and sizes:
        data["matrix_rank"] = bench_matrix_rank(
            sizes, device=device, entries=entries, repeats=repeats, budget_s=budget_s, emit=emit
        )
    data["targets"] = _targets(data["matrix_rank"], device)
    if data["targets"]["applies"]:
        emit(
            f"GPU targets (n <= {SMALL_N}: >= {TARGETS['rankclaims/numpy']:g}x numpy CPU, "
            f">= {TARGETS['rankclaims/torch']:g}x torch on the GPU): "
            + ("met" if data["targets"]["met"] else "NOT met")
        )
    if khatri_rao and kr_shapes:
        data["khatri_rao_rank"] = bench_khatri_rao(
            kr_shapes, device=device, repeats=repeats, budget_s=budget_s, emit=emit
        )
    if run_claims:
        data["claims"] = bench_claims(claim_ids, profile=profile, device=device, emit=emit)
    data["duration_s"] = time.perf_counter() - t0
    data["agree"] = all(r["agree"] for r in data["matrix_rank"] + data["khatri_rao_rank"])
    if not data["agree"]:
        emit("\nWARNING: the contenders' ranks disagree somewhere (see the ranks column)")
    if out is not None:
        path = write_json(data, out)
        emit(f"\nwrote {path}")
    return data
