"""Weights of deep linear networks ``x -> W_H ... W_1 x``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra.numpy import arrays

from rankclaims.generators._random import haar_orthonormal, seeds
from rankclaims.generators._validation import (
    check_choice,
    check_dtype,
    check_integer,
    check_real,
    prepare,
    resolve,
)

__all__ = ["deep_linear_networks"]

INITS = ("gaussian", "zeros", "orthogonal", "integer")
# init="integer": entries in [-INTEGER_MAX, INTEGER_MAX].
INTEGER_MAX = 3


def _check_widths(value: Any) -> list[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidArgument(f"widths={value!r} must be a list of ints [d_0, d_1, ..., d_H]")
    if len(value) < 2:
        raise InvalidArgument(
            f"widths={value!r} must have at least 2 entries [d_0, ..., d_H] (one weight matrix)"
        )
    return [check_integer(w, f"widths[{i}]", min_value=1) for i, w in enumerate(value)]


def _check_scale(value: Any) -> float | None:
    return None if value is None else check_real(value, "scale", min_value=0.0)


def deep_linear_networks(
    *,
    widths: Sequence[int] | st.SearchStrategy[Sequence[int]],
    init: str = "gaussian",
    scale: float | st.SearchStrategy[float] | None = None,
    dtype: Any = np.float64,
) -> st.SearchStrategy[list[np.ndarray]]:
    """Return a strategy for weights ``[W_1, ..., W_H]``, ``W_i`` of shape ``(d_i, d_{i-1})``.

    For ``widths = [d_0, ..., d_H]`` (the network maps ``R^{d_0}`` to ``R^{d_H}``;
    ``d_0 = d_x``, ``d_H = d_y`` in Sankar et al.'s notation). Initialisations:

    * ``"gaussian"``: entries iid ``N(0, scale^2)``, by default ``scale = 1/sqrt(d_{i-1})``
      (fan-in, like PyTorch's default variance); from a seed drawn by Hypothesis;
    * ``"orthogonal"``: ``scale`` (default 1) times a Haar-random semi-orthogonal matrix
      (orthonormal rows when ``d_i <= d_{i-1}``, orthonormal columns otherwise, as
      ``torch.nn.init.orthogonal_``); from a seed drawn by Hypothesis;
    * ``"zeros"``: all zeros (a critical point of the squared loss);
    * ``"integer"``: integers in ``[-3, 3]`` drawn by Hypothesis (shrinking toward 0), for
      exact arithmetic: products of ``H`` such matrices stay exact in int64, and in float64
      while their entries stay below ``2**53``.

    Hypothesis draws the widths and ``scale`` (when strategies) first. ``dtype`` is float32 or
    float64; ``"zeros"`` and ``"integer"`` also allow int64. Cost: ``sum_i d_i d_{i-1}``
    draws (Gaussian, or integers from Hypothesis), plus ``O(d^3)`` per orthogonal layer.

    Parameters
    ----------
    widths : list of ints >= 1 (at least two) or strategy of lists
        ``[d_0, ..., d_H]``; see :func:`yun_widths`.
    init : {"gaussian", "zeros", "orthogonal", "integer"}
    scale : float >= 0 or strategy of floats, optional
        The standard deviation (``"gaussian"``) or gain (``"orthogonal"``); not allowed with
        ``"zeros"`` or ``"integer"``.
    dtype : float32, float64 (or int64 for "zeros" and "integer")

    Returns
    -------
    SearchStrategy of list of ``H`` ndarrays.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(deep_linear_networks(widths=[3, 5, 2], init="orthogonal"))
    ... def test(ws):
    ...     assert [w.shape for w in ws] == [(5, 3), (2, 5)]
    """
    widths = prepare(widths, _check_widths)
    init = check_choice(init, "init", INITS)
    scale = prepare(scale, _check_scale)
    if init in ("zeros", "integer"):
        if scale is not None:
            raise InvalidArgument(
                f"scale={scale!r} applies only to init='gaussian' or 'orthogonal', not {init!r}"
            )
        dtype = check_dtype(dtype, "dtype", (np.float32, np.float64, np.int64))
    else:
        dtype = check_dtype(dtype, "dtype", (np.float32, np.float64))
    return _deep_linear_networks(widths, init, scale, dtype)


@st.composite
def _deep_linear_networks(draw, widths, init, scale, dtype) -> list[np.ndarray]:
    widths = resolve(draw, widths, _check_widths)
    scale = resolve(draw, scale, _check_scale)
    shapes = [(d_out, d_in) for d_in, d_out in itertools.pairwise(widths)]
    if init == "zeros":
        return [np.zeros(shape, dtype=dtype) for shape in shapes]
    if init == "integer":
        elements = st.integers(-INTEGER_MAX, INTEGER_MAX)
        return [draw(arrays(np.int64, shape, elements=elements)).astype(dtype) for shape in shapes]
    rng = np.random.default_rng(draw(seeds()))
    weights = []
    for d_out, d_in in shapes:
        if init == "gaussian":
            std = 1.0 / math.sqrt(d_in) if scale is None else scale
            w = std * rng.standard_normal((d_out, d_in))
        else:
            gain = 1.0 if scale is None else scale
            if d_out >= d_in:
                w = gain * haar_orthonormal(rng, d_out, d_in)
            else:
                w = gain * haar_orthonormal(rng, d_in, d_out).T
        weights.append(w.astype(dtype))
    return weights
