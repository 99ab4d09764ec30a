"""Integer matrices of exactly a given rank (over the rationals), built, never filtered."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra.numpy import arrays

from rankclaims.generators._validation import (
    check_integer,
    check_matrix_shape,
    check_rank,
    is_strategy,
    prepare,
    resolve,
)

__all__ = ["integer_entry_bound", "integer_matrices"]

# Entries must be exact in float64 too, where these matrices are usually fed to float kernels.
MAX_ENTRY = 2**53


def integer_entry_bound(m: int, n: int, rank: int, max_value: int) -> int:
    """An upper bound on ``|a_ij|`` for :func:`integer_matrices` of shape ``(m, n)``.

    ``(1 + (m - 1) k) (1 + (n - 1) k) c`` with ``k = max_value``, ``r = rank`` and ``c`` the
    largest possible entry of the core ``[[I_r, D], [C, C D]]``: ``max(1, r k^2)`` when
    ``0 < r < min(m, n)`` (the entries of ``C D``), ``max(1, k)`` when ``r = min(m, n)`` (no
    ``C D`` block), ``0`` when ``r = 0``. A unit lower-triangular mixing matrix with entries in
    ``[-k, k]`` multiplies the largest entry by at most its largest row (left) or column (right)
    absolute sum, ``1 + (m - 1) k`` or ``1 + (n - 1) k``.
    """
    k = max_value
    if rank == 0:
        core = 0
    elif rank < min(m, n):
        core = max(1, rank * k * k)
    else:
        core = max(1, k)
    return (1 + (m - 1) * k) * (1 + (n - 1) * k) * core


def _check_max_value(value: Any) -> int:
    return check_integer(value, "max_value", min_value=0)


def _check_bound(shape: tuple[int, int], rank: int | None, max_value: int) -> None:
    """Entries must stay exact in float64; ``rank=None`` means any rank."""
    ranks = range(min(shape) + 1) if rank is None else [rank]
    bound = max(integer_entry_bound(*shape, r, max_value) for r in ranks)
    if bound > MAX_ENTRY:
        raise InvalidArgument(
            f"max_value={max_value} with shape {shape} and rank={rank} allows entries up to "
            f"{bound}, beyond 2**53 (not exact in float64); use a smaller max_value"
        )


def integer_matrices(
    shape: tuple[int, int] | st.SearchStrategy[tuple[int, int]],
    *,
    rank: int | st.SearchStrategy[int] | None = None,
    max_value: int | st.SearchStrategy[int] = 3,
) -> st.SearchStrategy[np.ndarray]:
    r"""Return a strategy for int64 matrices whose rank over the rationals is exactly ``rank``.

    Built, never filtered. Hypothesis draws, in this order: the shape, the rank ``r``, a row
    permutation ``P`` and a column permutation ``Q``, integer matrices ``C`` (``(m-r) x r``) and
    ``D`` (``r x (n-r)``) with entries in ``[-k, k]`` (``k = max_value``), and the strictly
    lower parts (entries in ``[-k, k]``) of unit lower-triangular ``L`` (``m x m``) and ``R``
    (``n x n``). The result is

    .. math::

        A = L \, P \begin{pmatrix} I_r & D \\ C & C D \end{pmatrix} Q \, R .

    The block matrix has rank exactly ``r`` (its first ``r`` rows contain ``I_r`` and span the
    rest: ``[C, C D] = C [I_r, D]``), and ``P``, ``Q``, ``L``, ``R`` have determinant ``±1``, so
    the rank is exactly ``r``: no tolerance is involved. Everything shrinks toward the canonical
    form ``[[I_r, 0], [0, 0]]`` (permutations toward the identity, entries toward 0), and the
    rank, when drawn, toward 0 (the zero matrix).

    Entries: ``|a_ij| <= (1 + (m-1) k) (1 + (n-1) k) max(1, r k^2)`` for ``0 < r < min(m, n)``
    (:func:`integer_entry_bound` has the exact cases); with ``k = 3`` and sides up to 12 that
    is at most 114,444 (shape ``(12, 12)``, rank 11), exact in int64, float64 and float32
    (< 2**24). Typical entries are much smaller. Arguments whose bound exceeds ``2**53`` are
    refused, so the entries are always exact in float64.

    Cost: ``O(m^2 + n^2)`` integers drawn by Hypothesis (the mixing matrices dominate) and
    ``O(m n (m + n))`` integer operations per example.

    Parameters
    ----------
    shape : tuple (m, n) or strategy of tuples
        Sides >= 1.
    rank : int or strategy of ints, optional
        ``0 <= rank <= min(shape)``; ``None`` draws it in ``[0, min(shape)]``.
    max_value : int >= 0 or strategy of ints
        Bound ``k`` on the entries of ``C``, ``D`` and the mixing matrices. ``0`` gives only
        permuted canonical forms.

    Returns
    -------
    SearchStrategy of int64 ndarray of shape ``shape``.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(integer_matrices((3, 3), rank=2), lambda a: True)
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 0, 0]])
    """
    shape = prepare(shape, check_matrix_shape)
    rank = prepare(rank, check_rank)
    max_value = prepare(max_value, _check_max_value)
    if not is_strategy(shape):
        if rank is not None and not is_strategy(rank) and rank > min(shape):
            raise InvalidArgument(f"rank={rank} exceeds min(shape)={min(shape)} for shape {shape}")
        if not is_strategy(max_value):
            _check_bound(shape, None if is_strategy(rank) else rank, max_value)
    return _integer_matrices(shape, rank, max_value)


def _entries(draw, size: int, k: int) -> np.ndarray:
    return draw(arrays(np.int64, size, elements=st.integers(-k, k)))


def _unit_lower(draw, n: int, k: int) -> np.ndarray:
    out = np.eye(n, dtype=np.int64)
    out[np.tril_indices(n, -1)] = _entries(draw, n * (n - 1) // 2, k)
    return out


@st.composite
def _integer_matrices(draw, shape, rank, max_value) -> np.ndarray:
    shape = resolve(draw, shape, check_matrix_shape)
    m, n = shape
    if rank is None:
        rank = draw(st.integers(0, min(shape)))
    else:
        rank = resolve(draw, rank, check_rank)
        if rank > min(shape):
            raise InvalidArgument(f"rank={rank} exceeds min(shape)={min(shape)} for shape {shape}")
    k = resolve(draw, max_value, _check_max_value)
    _check_bound(shape, rank, k)
    r = rank
    p = draw(st.permutations(range(m)))
    q = draw(st.permutations(range(n)))
    c = _entries(draw, (m - r) * r, k).reshape(m - r, r)
    d = _entries(draw, r * (n - r), k).reshape(r, n - r)
    core = np.zeros((m, n), dtype=np.int64)
    core[:r, :r] = np.eye(r, dtype=np.int64)
    core[:r, r:] = d
    core[r:, :r] = c
    core[r:, r:] = c @ d
    core = core[np.ix_(p, q)]
    left = _unit_lower(draw, m, k)
    right = _unit_lower(draw, n, k)
    return left @ core @ right
