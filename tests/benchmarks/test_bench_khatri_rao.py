"""``khatri_rao_rank`` against forming the product (``scipy.linalg.khatri_rao``) and
``numpy.linalg.matrix_rank``: time, and peak memory measured two independent ways.

Memory is measured in untimed steps and stored in ``benchmark.extra_info``:

- ``tracemalloc_peak_bytes``: the peak of Python-visible allocations (NumPy and SciPy arrays
  are traced) above what was allocated before the call, in this process;
- ``rss_peak_growth_bytes``: the growth of ``ru_maxrss`` of a fresh subprocess across one
  call, after imports and a small warm-up call of the same path. It counts what tracemalloc
  cannot see: LAPACK and BLAS workspace, NumPy's internal copies in ``numpy.linalg``.
  The subprocess is a grandchild: Linux carries the exec'ing process's peak RSS over into
  ``ru_maxrss`` across ``exec``, so a direct child of this (large) pytest process would start
  with pytest's peak and report no growth at all.

Both also appear as ``*_fraction``: a fraction of the formed product's ``d_b * d_c * N * 8``
bytes.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
import scipy.linalg

from rankclaims.kernels import khatri_rao_rank

# (d_b, d_c, N): B is d_b x N, C is d_c x N, the product d_b d_c x N.
SHAPES = [(30, 30, 800), (100, 100, 2000)]
CONTENDERS = ["rankclaims", "formed"]
# Timed rounds (one call each, after one untimed warm-up call). Forming at (100, 100, 2000)
# takes seconds per call, hence only 3 rounds there.
ROUNDS = {
    ((30, 30, 800), "rankclaims"): 25,
    ((30, 30, 800), "formed"): 15,
    ((100, 100, 2000), "rankclaims"): 10,
    ((100, 100, 2000), "formed"): 3,
}


def _formed_rank(b: np.ndarray, c: np.ndarray):
    return np.linalg.matrix_rank(scipy.linalg.khatri_rao(b, c))


PATHS = {"rankclaims": khatri_rao_rank, "formed": _formed_rank}


def _ids(shape: tuple[int, int, int]) -> str:
    return "x".join(map(str, shape))


def _tracemalloc_peak(fn, *args) -> int:
    """Peak traced bytes allocated by ``fn(*args)`` above those live before the call."""
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return peak - before


# Runs in a fresh interpreter: argv = path, b.npy, c.npy. ru_maxrss is in KiB on Linux.
_RSS_SCRIPT = r"""
import json, resource, sys
import numpy as np
import scipy.linalg
from rankclaims.kernels import khatri_rao_rank

def run(path, b, c):
    if path == "rankclaims":
        return int(khatri_rao_rank(b, c))
    return int(np.linalg.matrix_rank(scipy.linalg.khatri_rao(b, c)))

def current_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024

path = sys.argv[1]
b, c = np.load(sys.argv[2]), np.load(sys.argv[3])
# Warm up the same path on a smaller problem (N = 300, large enough for BLAS to start its
# threads): one-time library set-up (lazy imports, BLAS
# thread buffers) is not the algorithm's memory.
rng = np.random.default_rng(1)
run(path, rng.standard_normal((20, 300)), rng.standard_normal((20, 300)))
rss_before = current_kib()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rank = run(path, b, c)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rank": rank, "maxrss_before_kib": before, "maxrss_after_kib": after,
                  "rss_before_kib": rss_before}))
"""


# A small middle process whose own peak RSS is what its child inherits (see the docstring).
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def _rss_peak_growth(path: str, b: np.ndarray, c: np.ndarray, tmp_path) -> dict:
    np.save(tmp_path / "b.npy", b)
    np.save(tmp_path / "c.npy", c)
    measure = [sys.executable, "-c", _RSS_SCRIPT, path, str(tmp_path / "b.npy")]
    proc = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *measure, str(tmp_path / "c.npy")],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("contender", CONTENDERS)
@pytest.mark.parametrize("shape", SHAPES, ids=_ids)
def test_khatri_rao_rank(benchmark, gaussian_factors, tmp_path, shape, contender):
    db, dc, n = shape
    b, c = gaussian_factors(db, dc, n)
    fn = PATHS[contender]
    product_bytes = db * dc * n * 8

    benchmark.group = f"khatri_rao_rank {_ids(shape)}"
    rank = benchmark.pedantic(
        fn, args=(b, c), rounds=ROUNDS[shape, contender], iterations=1, warmup_rounds=1
    )
    # Gaussian factors with d_b d_c >= N: K has full column rank N, for both paths alike.
    assert int(rank) == n

    # Untimed: peak memory, two independent measures.
    traced = _tracemalloc_peak(fn, b, c)
    rss = _rss_peak_growth(contender, b, c, tmp_path)
    assert rss["rank"] == n
    # Validity of the measure (not a timing assertion): the baseline peak must be the
    # subprocess's own, not one inherited from a larger parent.
    inherited = rss["maxrss_before_kib"] - rss["rss_before_kib"]
    assert inherited < 64 * 1024, f"ru_maxrss baseline inflated by {inherited} KiB"
    rss_growth = max(0, rss["maxrss_after_kib"] - rss["maxrss_before_kib"]) * 1024
    benchmark.extra_info.update(
        contender=contender,
        d_b=db,
        d_c=dc,
        N=n,
        product_bytes=product_bytes,
        tracemalloc_peak_bytes=traced,
        tracemalloc_peak_fraction=traced / product_bytes,
        rss_peak_growth_bytes=rss_growth,
        rss_peak_growth_fraction=rss_growth / product_bytes,
        rss_before_call_bytes=rss["rss_before_kib"] * 1024,
    )
