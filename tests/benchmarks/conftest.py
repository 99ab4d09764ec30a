"""Shared workloads of the kernel benchmarks (collected only with ``--benchmark-only``).

Every workload is built from a fixed seed, once per session, outside any timed region.
"""

from __future__ import annotations

import numpy as np
import pytest


def _half_rank(batch: int, n: int) -> np.ndarray:
    """``batch`` float64 ``n x n`` matrices of rank ``n/2``: products of Gaussian factors."""
    rng = np.random.default_rng([20250101, batch, n])
    left = rng.standard_normal((batch, n, n // 2))
    right = rng.standard_normal((batch, n // 2, n))
    return np.ascontiguousarray(left @ right)


@pytest.fixture(scope="session")
def half_rank_batch():
    """A cached factory ``(batch, n) -> (matrices, numpy_ranks)``.

    ``numpy_ranks`` is ``numpy.linalg.matrix_rank`` of the batch, computed once, untimed: the
    reference every contender's decisions are checked against.
    """
    cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def get(batch: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        if (batch, n) not in cache:
            a = _half_rank(batch, n)
            cache[batch, n] = (a, np.asarray(np.linalg.matrix_rank(a)))
        return cache[batch, n]

    return get


@pytest.fixture(scope="session")
def gaussian_factors():
    """A cached factory ``(d_b, d_c, N) -> (B, C)`` of Gaussian Khatri-Rao factors."""
    cache: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}

    def get(db: int, dc: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        if (db, dc, n) not in cache:
            rng = np.random.default_rng([20250102, db, dc, n])
            cache[db, dc, n] = (rng.standard_normal((db, n)), rng.standard_normal((dc, n)))
        return cache[db, dc, n]

    return get
