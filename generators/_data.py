"""Data and widths that satisfy Yun et al. 2018's assumptions by construction.

Sankar et al. 2018 (Sec. 3) list the assumptions of Yun et al. 2018, Thm 2.1 (every critical
point of a deep linear network with ``rank(W_H ... W_1) = min(d_x, d_y)`` is a global minimum):

(i) ``min{d_x, d_1, ..., d_{H-1}, d_y} = min{d_x, d_y}``; (ii) ``d_x, d_y <= m``;
(iii) ``X X^T`` and ``Y X^T`` are full rank; (iv) the singular values of
``Y X^T (X X^T)^{-1} X`` are distinct.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra.numpy import arrays

from rankclaims.generators._random import haar_orthonormal, seeds
from rankclaims.generators._validation import (
    check_integer,
    check_real,
    is_strategy,
    prepare,
    resolve,
)

__all__ = ["yun_datasets", "yun_widths"]

# Singular values of the invertible factor C of X: its condition number is at most 4.
C_RANGE = (1.0, 4.0)
# Relative gaps between consecutive singular values of T are drawn in [gap, max(gap, 0.5)].
MAX_GAP = 0.5


def _check_side(name: str):
    def check(value: Any) -> int:
        return check_integer(value, name, min_value=1)

    return check


_check_dx, _check_dy, _check_m = _check_side("dx"), _check_side("dy"), _check_side("m")


def _check_depth(value: Any) -> int:
    return check_integer(value, "depth", min_value=1)


def _check_max_width(value: Any) -> int:
    return check_integer(value, "max_width", min_value=1)


def _check_gap(value: Any) -> float:
    return check_real(
        value, "gap", min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True
    )


def _check_samples(name: str, d: int, m: int) -> None:
    if d > m:
        raise InvalidArgument(
            f"{name}={d} exceeds m={m}: Yun et al.'s assumption (ii) needs dx, dy <= m"
        )


def yun_datasets(
    *,
    dx: int | st.SearchStrategy[int],
    dy: int | st.SearchStrategy[int],
    m: int | st.SearchStrategy[int],
    gap: float | st.SearchStrategy[float] = 1e-3,
) -> st.SearchStrategy[dict[str, np.ndarray]]:
    r"""Return a strategy for data ``{"X": (dx, m), "Y": (dy, m)}`` meeting Yun et al.'s (ii)-(iv).

    The data assumptions of Yun et al. 2018, Thm 2.1, as listed by Sankar et al. 2018, hold by
    construction (not by filtering), with ``k = min(dx, dy)``:

    * (ii) ``dx, dy <= m`` (checked; ``InvalidArgument`` otherwise);
    * (iii) ``X X^T`` (``dx x dx``) is invertible and ``Y X^T`` (``dy x dx``) has rank ``k``;
    * (iv) the ``k`` nonzero singular values of ``Y X^T (X X^T)^{-1} X`` are distinct, in the
      numerical sense ``(s_i - s_{i+1}) / s_i >= gap`` for consecutive ones (exactly in the
      construction; the computed values agree to a few ``eps * s_1``).

    Construction: ``X = C [I_dx 0] V = C V_1`` with ``V`` a Haar-random orthogonal ``m x m``
    matrix (``V_1`` its first ``dx`` rows, ``V_2`` the others) and ``C`` invertible with
    singular values in ``[1, 4]``; ``Y = T V_1 + rho S V_2`` with ``T`` (``dy x dx``) of rank
    ``k`` and prescribed singular values ``t_1 = 1 > t_2 > ... > t_k``, ``S`` Gaussian. Since
    ``X^T (X X^T)^{-1} X = V_1^T V_1`` is the projector onto the row space of ``X``,
    ``Y X^T (X X^T)^{-1} X = T V_1`` has exactly the singular values of ``T``, and
    ``Y X^T = T C^T`` has rank ``k``. Hypothesis draws ``dx``, ``dy``, ``m``, ``gap`` (when
    strategies), the singular values of ``C``, the relative gaps ``1 - t_{i+1}/t_i`` in
    ``[gap, max(gap, 0.5)]`` and ``rho`` in ``[0, 1]`` (shrinking to 0: ``Y`` in the row space
    of ``X``); a drawn seed gives ``V``, the singular vectors of ``C`` and ``T``, and ``S``.

    The condition number of ``Y X^T`` is at most ``4 / (1 - max(gap, 0.5))^(k - 1)``.

    When ``dy >= dx + 2`` (and so ``m >= dx + 2``), ``Y X^T (X X^T)^{-1} X`` (``dy x m``, rank
    ``dx``) has ``min(dy, m) - dx >= 2`` zero singular values, which no data can make distinct:
    (iv) read literally cannot hold, and the strategy meets the satisfiable reading, distinct
    nonzero singular values.

    Cost: ``O(m^3)`` flops (the orthogonal ``V``) per example.

    Parameters
    ----------
    dx, dy, m : int >= 1 or strategy of ints
        Input dimension, output dimension, number of samples; ``dx, dy <= m``.
    gap : float in (0, 1) or strategy of floats
        The least relative gap between consecutive nonzero singular values.

    Returns
    -------
    SearchStrategy of dict with float64 arrays ``"X"`` (``dx x m``) and ``"Y"`` (``dy x m``).

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(yun_datasets(dx=3, dy=2, m=5))
    ... def test(data):
    ...     x, y = data["X"], data["Y"]
    """
    dx = prepare(dx, _check_dx)
    dy = prepare(dy, _check_dy)
    m = prepare(m, _check_m)
    gap = prepare(gap, _check_gap)
    if not is_strategy(m):
        for name, d in (("dx", dx), ("dy", dy)):
            if not is_strategy(d):
                _check_samples(name, d, m)
    return _yun_datasets(dx, dy, m, gap)


@st.composite
def _yun_datasets(draw, dx, dy, m, gap) -> dict[str, np.ndarray]:
    dx = resolve(draw, dx, _check_dx)
    dy = resolve(draw, dy, _check_dy)
    m = resolve(draw, m, _check_m)
    gap = resolve(draw, gap, _check_gap)
    _check_samples("dx", dx, m)
    _check_samples("dy", dy, m)
    k = min(dx, dy)
    c_sv = draw(arrays(np.float64, dx, elements=st.floats(*C_RANGE)))
    gaps = draw(arrays(np.float64, k - 1, elements=st.floats(gap, max(gap, MAX_GAP))))
    t = np.cumprod(np.concatenate([[1.0], 1.0 - gaps]))
    rho = draw(st.floats(0.0, 1.0))
    rng = np.random.default_rng(draw(seeds()))
    v = haar_orthonormal(rng, m, m)
    c = (haar_orthonormal(rng, dx, dx) * c_sv) @ haar_orthonormal(rng, dx, dx).T
    tm = (haar_orthonormal(rng, dy, k) * t) @ haar_orthonormal(rng, dx, k).T
    s = rng.standard_normal((dy, m - dx))
    x = c @ v[:dx]
    y = tm @ v[:dx] + rho * (s @ v[dx:])
    return {"X": x, "Y": y}


def yun_widths(
    *,
    dx: int | st.SearchStrategy[int],
    dy: int | st.SearchStrategy[int],
    depth: int | st.SearchStrategy[int],
    max_width: int | st.SearchStrategy[int] = 6,
) -> st.SearchStrategy[list[int]]:
    """Return a strategy for widths ``[d_0 = dx, d_1, ..., d_{H-1}, d_H = dy]`` meeting (i).

    Yun et al.'s assumption (i), ``min{d_x, d_1, ..., d_{H-1}, d_y} = min{d_x, d_y}``: every
    hidden width ``d_1, ..., d_{H-1}`` is drawn by Hypothesis in ``[min(dx, dy), max_width]``
    and shrinks toward ``min(dx, dy)`` (the narrowest allowed network). ``depth`` is ``H``, the
    number of weight matrices; ``H = 1`` gives ``[dx, dy]``. ``max_width`` bounds the hidden
    widths only and must be at least ``min(dx, dy)`` when there is a hidden layer. Pair with
    :func:`deep_linear_networks` (``widths=yun_widths(...)``) and :func:`yun_datasets`.

    Parameters
    ----------
    dx, dy : int >= 1 or strategy of ints
        Input and output widths.
    depth : int >= 1 or strategy of ints
        ``H``.
    max_width : int >= 1 or strategy of ints
        Upper bound on the hidden widths.

    Returns
    -------
    SearchStrategy of list of ``H + 1`` ints.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(yun_widths(dx=3, dy=2, depth=3))
    ... def test(widths):
    ...     assert min(widths) == 2
    """
    dx = prepare(dx, _check_dx)
    dy = prepare(dy, _check_dy)
    depth = prepare(depth, _check_depth)
    max_width = prepare(max_width, _check_max_width)
    if not any(is_strategy(v) for v in (dx, dy, depth, max_width)):
        _check_width_bound(dx, dy, depth, max_width)
    return _yun_widths(dx, dy, depth, max_width)


def _check_width_bound(dx: int, dy: int, depth: int, max_width: int) -> None:
    if depth >= 2 and max_width < min(dx, dy):
        raise InvalidArgument(
            f"max_width={max_width} is below min(dx, dy)={min(dx, dy)}: no hidden width can "
            "meet Yun et al.'s assumption (i)"
        )


@st.composite
def _yun_widths(draw, dx, dy, depth, max_width) -> list[int]:
    dx = resolve(draw, dx, _check_dx)
    dy = resolve(draw, dy, _check_dy)
    depth = resolve(draw, depth, _check_depth)
    max_width = resolve(draw, max_width, _check_max_width)
    _check_width_bound(dx, dy, depth, max_width)
    hidden = st.integers(min(dx, dy), max_width)
    return [dx, *draw(st.lists(hidden, min_size=depth - 1, max_size=depth - 1)), dy]
