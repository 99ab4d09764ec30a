"""Real matrices with a prescribed shape, rank, spectrum or condition number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra.numpy import arrays

from rankclaims.generators._random import haar_orthonormal, seeds
from rankclaims.generators._validation import (
    check_dtype,
    check_integer,
    check_matrix_shape,
    check_rank,
    check_real,
    is_strategy,
    prepare,
    resolve,
)

__all__ = ["matrices", "matrix_shapes"]

FLOAT_DTYPES = (np.float32, np.float64)
# Without singular_values or condition, nonzero singular values lie in [scale * 1e-3, scale].
DEFAULT_SPREAD = 1e-3


def matrix_shapes(*, min_side: int = 1, max_side: int = 6) -> st.SearchStrategy[tuple[int, int]]:
    """Return a strategy for matrix shapes ``(m, n)`` with ``min_side <= m, n <= max_side``.

    The two sides are drawn independently by Hypothesis and shrink toward
    ``(min_side, min_side)``. Includes one-row and one-column shapes when ``min_side == 1``.

    Parameters
    ----------
    min_side, max_side : int
        Bounds on each side, ``1 <= min_side <= max_side``.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(matrix_shapes(max_side=4))
    ... def test(shape):
    ...     m, n = shape
    """
    min_side = check_integer(min_side, "min_side", min_value=1)
    max_side = check_integer(max_side, "max_side", min_value=1)
    if min_side > max_side:
        raise InvalidArgument(f"min_side={min_side} exceeds max_side={max_side}")
    side = st.integers(min_side, max_side)
    return st.tuples(side, side)


def _check_singular_values(value: Any) -> tuple[float, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise InvalidArgument(f"singular_values={value!r} must be a sequence of positive floats")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidArgument(
            f"singular_values={value!r} must be a sequence of positive floats"
        ) from None
    if arr.ndim != 1:
        raise InvalidArgument(
            f"singular_values={value!r} must be one-dimensional, not of shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise InvalidArgument(
            f"singular_values={value!r} must be positive and finite (the nonzero singular "
            "values; the rank is their number)"
        )
    return tuple(sorted(arr.tolist(), reverse=True))


def _check_condition(value: Any) -> float | None:
    return None if value is None else check_real(value, "condition", min_value=1.0)


def _check_scale(value: Any) -> float:
    return check_real(value, "scale", min_value=0.0, exclude_min=True)


def _check_consistent(
    shape: tuple[int, int], rank: int | None, sv: tuple[float, ...] | None
) -> None:
    """Rank and singular values fit the shape and agree with each other."""
    k = min(shape)
    if rank is not None and rank > k:
        raise InvalidArgument(f"rank={rank} exceeds min(shape)={k} for shape {shape}")
    if sv is not None:
        if len(sv) > k:
            raise InvalidArgument(
                f"singular_values has {len(sv)} values, more than min(shape)={k} for shape {shape}"
            )
        if rank is not None and rank != len(sv):
            raise InvalidArgument(
                f"rank={rank} disagrees with singular_values, whose {len(sv)} values fix the rank"
            )


def _check_range(lo: float, hi: float, dtype: np.dtype, lo_name: str, hi_name: str) -> None:
    """The nonzero singular values ``[lo, hi]`` must be normal, finite numbers of ``dtype``."""
    info = np.finfo(dtype)
    if lo < float(info.tiny):
        raise InvalidArgument(
            f"the smallest nonzero singular value, {lo_name} = {lo!r}, is below the smallest "
            f"normal {dtype.name} ({float(info.tiny)!r}): the rank would not be the one asked for"
        )
    if hi > float(info.max):
        raise InvalidArgument(
            f"the largest singular value, {hi_name} = {hi!r}, overflows {dtype.name}"
        )


def _check_spectrum(
    sv: tuple[float, ...] | None, condition: float | None, scale: float, dtype: np.dtype
) -> None:
    if sv is not None:
        if sv:
            _check_range(sv[-1], sv[0], dtype, "min(singular_values)", "max(singular_values)")
    elif condition is not None:
        _check_range(scale / condition, scale, dtype, "scale/condition", "scale")
    else:
        _check_range(scale * DEFAULT_SPREAD, scale, dtype, "scale*1e-3", "scale")


def matrices(
    shape: tuple[int, int] | st.SearchStrategy[tuple[int, int]],
    *,
    rank: int | st.SearchStrategy[int] | None = None,
    singular_values: Sequence[float] | st.SearchStrategy[Sequence[float]] | None = None,
    condition: float | st.SearchStrategy[float] | None = None,
    dtype: Any = np.float64,
    scale: float | st.SearchStrategy[float] = 1.0,
) -> st.SearchStrategy[np.ndarray]:
    r"""Return a strategy for real matrices :math:`A = U \operatorname{diag}(s) V^T` of rank ``r``.

    How values are generated: the shape, then the rank, then the ``r`` nonzero singular values
    ``s`` are drawn by Hypothesis (structure first, so examples shrink toward small shapes, low
    ranks and simple spectra); then a seed is drawn and ``numpy.random.default_rng(seed)`` gives
    ``U`` (``m x r``) and ``V`` (``n x r``) with orthonormal columns, Haar-distributed (the first
    ``r`` columns of Haar-random orthogonal matrices). The product is formed in float64 and cast
    to ``dtype``.

    The singular values are:

    * ``singular_values`` when given (sorted descending; they fix the rank);
    * with ``condition``: ``sigma_1 = scale`` and ``sigma_r = scale / condition`` exactly
      (``r >= 2``), the others ``scale * condition**(-t_i)`` with exponents ``t_i`` in ``[0, 1]``
      chosen by Hypothesis (log-spaced between the two ends; Hypothesis favours the ends and
      shrinks toward ``t_i = 0``, repeated singular values ``scale``). With ``r == 1`` the only
      singular value is ``scale``;
    * otherwise drawn by Hypothesis in ``[scale * 1e-3, scale]`` (so the condition number of the
      nonzero part is at most 1e3); repeated values are possible.

    In float64 the computed singular values equal the prescribed ones up to a few
    ``eps * sigma_1``; a float32 result adds the rounding of its entries, up to about
    ``sqrt(m n) * eps32 * sigma_1`` (so zero singular values are exact only in exact
    arithmetic: decide ranks with a tolerance clear of that, or use :func:`integer_matrices`).
    Nothing else is assumed: rank 0 gives the zero matrix, one-row and one-column shapes occur,
    and ``condition`` may be as large as asked (ill-conditioned matrices).

    Cost: ``O((m + n) r^2 + m n r)`` flops per example.

    Parameters
    ----------
    shape : tuple (m, n) or strategy of tuples
        Sides >= 1.
    rank : int or strategy of ints, optional
        ``0 <= rank <= min(shape)``; ``None`` means full rank ``min(shape)`` (or
        ``len(singular_values)`` when those are given).
    singular_values : sequence of positive floats or strategy of them, optional
        The nonzero singular values; their number (``<= min(shape)``) is the rank. Not with
        ``condition`` or a ``scale`` other than 1.
    condition : float >= 1 or strategy of floats, optional
        ``sigma_1 / sigma_r``, the condition number of the nonzero singular values.
    dtype : float32 or float64
        The dtype of the result.
    scale : float > 0 or strategy of floats
        The largest singular value when ``condition`` is given, the upper end of the range
        otherwise.

    Returns
    -------
    SearchStrategy of ndarray of shape ``shape`` and dtype ``dtype``.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(matrices((4, 3), rank=2, condition=1e6))
    ... def test(a):
    ...     assert a.shape == (4, 3)
    """
    shape = prepare(shape, check_matrix_shape)
    rank = prepare(rank, check_rank)
    singular_values = prepare(singular_values, _check_singular_values)
    condition = prepare(condition, _check_condition)
    scale = prepare(scale, _check_scale)
    dtype = check_dtype(dtype, "dtype", FLOAT_DTYPES)
    if singular_values is not None and condition is not None:
        raise InvalidArgument(
            "condition and singular_values cannot both be given: the singular values fix the "
            "condition number"
        )
    if singular_values is not None and (is_strategy(scale) or scale != 1.0):
        raise InvalidArgument(
            f"scale={scale!r} applies only without singular_values; scale the singular values "
            "instead"
        )
    if not any(is_strategy(v) for v in (shape, rank, singular_values)):
        _check_consistent(shape, rank, singular_values)
    if not any(is_strategy(v) for v in (singular_values, condition, scale)):
        _check_spectrum(singular_values, condition, scale, dtype)
    return _matrices(shape, rank, singular_values, condition, dtype, scale)


@st.composite
def _matrices(draw, shape, rank, singular_values, condition, dtype, scale) -> np.ndarray:
    shape = resolve(draw, shape, check_matrix_shape)
    rank = resolve(draw, rank, check_rank)
    sv = resolve(draw, singular_values, _check_singular_values)
    condition = resolve(draw, condition, _check_condition)
    scale = resolve(draw, scale, _check_scale)
    _check_consistent(shape, rank, sv)
    _check_spectrum(sv, condition, scale, dtype)
    m, n = shape
    if sv is not None:
        s = np.array(sv, dtype=np.float64)
    else:
        r = min(shape) if rank is None else rank
        if condition is not None:
            s = np.full(r, scale)
            if r >= 2:
                t = draw(arrays(np.float64, r - 2, elements=st.floats(0.0, 1.0)))
                inner = np.clip(scale * condition ** (-t), scale / condition, scale)
                s = np.concatenate([[scale], np.sort(inner)[::-1], [scale / condition]])
        else:
            lo = scale * DEFAULT_SPREAD
            s = np.sort(draw(arrays(np.float64, r, elements=st.floats(lo, scale))))[::-1]
    r = len(s)
    if r == 0:
        return np.zeros(shape, dtype=dtype)
    rng = np.random.default_rng(draw(seeds()))
    u = haar_orthonormal(rng, m, r)
    v = haar_orthonormal(rng, n, r)
    return ((u * s) @ v.T).astype(dtype)
