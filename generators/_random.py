"""Seeds drawn by Hypothesis and the continuous draws made from them.

Continuous parts (orthogonal factors, Gaussian noise, dropout masks) come from
``numpy.random.default_rng(seed)`` with a ``seed`` drawn by Hypothesis: Hypothesis cannot
shrink a Gaussian matrix usefully, but it can replay and shrink the seed.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

__all__ = ["SEED_MAX", "haar_orthonormal", "seeds"]

SEED_MAX = 2**32 - 1


def seeds() -> st.SearchStrategy[int]:
    """Return a strategy for seeds of ``numpy.random.default_rng``: integers in ``[0, 2**32 - 1]``.

    Every strategy of this package that needs random continuous values draws one of these and
    feeds it to ``numpy.random.default_rng``; a failing example is replayed from its seed.
    Shrinks toward 0.

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given
    >>> @given(seeds())
    ... def test(seed):
    ...     x = np.random.default_rng(seed).standard_normal(3)
    """
    return st.integers(0, SEED_MAX)


def haar_orthonormal(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """An ``n x k`` matrix (``k <= n``) with orthonormal columns, Haar-distributed.

    The first ``k`` columns of a Haar-random orthogonal ``n x n`` matrix: the ``Q`` of a
    Gaussian ``n x k`` matrix with the signs fixed so that ``R`` has a positive diagonal
    (Mezzadri 2007). ``O(n k^2)`` flops.
    """
    if k == 0:
        return np.zeros((n, 0))
    q, r = np.linalg.qr(rng.standard_normal((n, k)))
    signs = np.sign(np.diagonal(r))
    signs[signs == 0] = 1.0  # probability zero, but keep q orthonormal regardless
    return q * signs
