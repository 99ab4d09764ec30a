"""Random perturbations: smoothed inputs, gradient noise and dropout masks, all from a drawn seed.

Everything here follows a fixed probability law (Gaussian or Bernoulli), so the values come from
``numpy.random.default_rng(seed)`` with a seed drawn by Hypothesis, never from Hypothesis's own
draws (which favour boundary values and would not follow the law). Hypothesis draws only the
structure: shapes, and scales given as strategies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from rankclaims.generators._random import seeds
from rankclaims.generators._validation import (
    check_array,
    check_choice,
    check_real,
    check_shape,
    prepare,
    resolve,
)

__all__ = ["bernoulli_dropout_masks", "gaussian_dropout_masks", "gradient_noise", "smoothed"]

Shape = tuple[int, ...]
READINGS = ("entrywise", "scalar")


def _check_base(value: Any) -> np.ndarray:
    return check_array(value, "base")


def _check_positive_scale(value: Any) -> float:
    return check_real(value, "scale", min_value=0.0, exclude_min=True)


def _check_sigma(value: Any) -> float:
    return check_real(value, "sigma", min_value=0.0)


def _check_p(value: Any) -> float:
    return check_real(value, "p", min_value=0.0, max_value=1.0, exclude_max=True)


def _check_any_shape(value: Any) -> Shape:
    return check_shape(value, "shape", min_side=0)


def _check_shapes(value: Any) -> list[Shape]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidArgument(
            f"shapes={value!r} must be a sequence of shapes, one per array, e.g. [(3, 4), (2, 3)]"
        )
    out = []
    for i, shape in enumerate(value):
        if not isinstance(shape, (tuple, list)):
            raise InvalidArgument(
                f"shapes[{i}]={shape!r} must be a tuple of integers: shapes is a sequence of "
                "shapes, one per array, e.g. [(3, 4), (2, 3)]"
            )
        out.append(check_shape(shape, f"shapes[{i}]", min_side=0))
    return out


def _float_dtype(arr: np.ndarray) -> np.dtype:
    return np.dtype(np.float32) if arr.dtype == np.float32 else np.dtype(np.float64)


def smoothed(
    base: Any | st.SearchStrategy[Any],
    *,
    scale: float | st.SearchStrategy[float],
) -> st.SearchStrategy[np.ndarray]:
    """Return a strategy for ``base + scale * G``, ``G`` with iid standard normal entries.

    Smoothed analysis: a Hypothesis-chosen (possibly structured, measure-zero) ``base`` plus a
    perturbation from an absolutely continuous law, the inputs on which "almost everywhere"
    claims must hold. Hypothesis draws the base (when a strategy) and the scale (when a
    strategy), then a seed; ``G`` comes from ``numpy.random.default_rng(seed)``. The base
    shrinks as its strategy does; the perturbation is replayed, not shrunk.

    The result has the base's shape; its dtype is float32 for a float32 base and float64
    otherwise (integer and boolean bases included). The noise is added in float64: in float32 a
    ``scale`` below about ``eps32 * |base|`` may round away. Cost: one Gaussian draw per entry.

    Parameters
    ----------
    base : array-like or strategy of arrays
        Real and finite, of any shape.
    scale : float > 0 or strategy of floats
        The standard deviation of the perturbation.

    Returns
    -------
    SearchStrategy of ndarray.

    Examples
    --------
    >>> from hypothesis import given
    >>> from rankclaims.generators import integer_matrices
    >>> @given(smoothed(integer_matrices((4, 4), rank=2), scale=1e-6))
    ... def test(a):
    ...     assert a.shape == (4, 4)  # full rank with probability one
    """
    base = prepare(base, _check_base)
    scale = prepare(scale, _check_positive_scale)
    return _smoothed(base, scale)


@st.composite
def _smoothed(draw, base, scale) -> np.ndarray:
    base = resolve(draw, base, _check_base)
    scale = resolve(draw, scale, _check_positive_scale)
    rng = np.random.default_rng(draw(seeds()))
    noise = rng.standard_normal(base.shape)
    return (base.astype(np.float64) + scale * noise).astype(_float_dtype(base))


def gradient_noise(
    shapes: Sequence[Shape] | st.SearchStrategy[Sequence[Shape]],
    *,
    sigma: float | st.SearchStrategy[float],
    reading: str = "entrywise",
) -> st.SearchStrategy[list[np.ndarray]]:
    r"""Return a strategy for noise ``[eps_1, ..., eps_H]`` to add to gradients, one per shape.

    Algorithm 1 of Sankar et al. 2018 (perturbed gradient descent) updates
    :math:`W \leftarrow W - \eta(\nabla W + \epsilon)`, :math:`\epsilon \sim N(0, \sigma^2)`,
    which can be read two ways:

    * ``reading="entrywise"``: an independent :math:`N(0, \sigma^2)` draw for every entry of
      every array, an isotropic Gaussian perturbation of the parameter vector (Jin et al. 2017);
    * ``reading="scalar"``: one :math:`N(0, \sigma^2)` scalar per array, broadcast to all its
      entries (the literal reading with a scalar :math:`\epsilon`).

    Hypothesis draws the shapes and ``sigma`` (when strategies) and a seed; the values come from
    ``numpy.random.default_rng(seed)``. float64. ``sigma = 0`` gives zeros. Cost: one Gaussian
    draw per entry (entrywise) or per array (scalar).

    Parameters
    ----------
    shapes : sequence of tuples, or strategy of them
        One shape per array, e.g. ``[w.shape for w in weights]``; sides >= 0, any number of
        dimensions.
    sigma : float >= 0 or strategy of floats
        The standard deviation.
    reading : {"entrywise", "scalar"}

    Returns
    -------
    SearchStrategy of list of float64 ndarray.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(gradient_noise([(3, 2), (1, 3)], sigma=0.1, reading="scalar"))
    ... def test(eps):
    ...     assert len(set(eps[0].ravel())) == 1
    """
    shapes = prepare(shapes, _check_shapes)
    sigma = prepare(sigma, _check_sigma)
    reading = check_choice(reading, "reading", READINGS)
    return _gradient_noise(shapes, sigma, reading)


@st.composite
def _gradient_noise(draw, shapes, sigma, reading) -> list[np.ndarray]:
    shapes = resolve(draw, shapes, _check_shapes)
    sigma = resolve(draw, sigma, _check_sigma)
    rng = np.random.default_rng(draw(seeds()))
    if reading == "scalar":
        return [np.full(shape, sigma * rng.standard_normal()) for shape in shapes]
    return [sigma * rng.standard_normal(shape) for shape in shapes]


def gaussian_dropout_masks(
    shape: Shape | st.SearchStrategy[Shape],
    *,
    sigma: float | st.SearchStrategy[float],
) -> st.SearchStrategy[np.ndarray]:
    """Return a strategy for Gaussian dropout masks: entries iid ``N(1, sigma^2)``.

    The multiplicative noise of Gaussian dropout (Srivastava et al. 2014), as in Lemma 6 of
    Sankar et al. 2018 (``G ~ N(1, sigma^2)``). Hypothesis draws the shape and ``sigma`` (when
    strategies) and a seed; the entries come from ``numpy.random.default_rng(seed)``. float64;
    ``sigma = 0`` gives ones. Cost: one Gaussian draw per entry.

    Parameters
    ----------
    shape : tuple or strategy of tuples
        Sides >= 0, any number of dimensions.
    sigma : float >= 0 or strategy of floats

    Returns
    -------
    SearchStrategy of float64 ndarray of shape ``shape``.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(gaussian_dropout_masks((5, 8), sigma=0.5))
    ... def test(g):
    ...     assert g.shape == (5, 8)
    """
    shape = prepare(shape, _check_any_shape)
    sigma = prepare(sigma, _check_sigma)
    return _gaussian_dropout_masks(shape, sigma)


@st.composite
def _gaussian_dropout_masks(draw, shape, sigma) -> np.ndarray:
    shape = resolve(draw, shape, _check_any_shape)
    sigma = resolve(draw, sigma, _check_sigma)
    rng = np.random.default_rng(draw(seeds()))
    return 1.0 + sigma * rng.standard_normal(shape)


def bernoulli_dropout_masks(
    shape: Shape | st.SearchStrategy[Shape],
    *,
    p: float | st.SearchStrategy[float],
    scaled: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Return a strategy for Bernoulli dropout masks: entries iid ``Bernoulli(1 - p)``.

    Each entry is kept (1) with probability ``1 - p`` and dropped (0) with probability ``p``,
    independently, the ``B ~ Bern(1 - p)`` of Sankar et al. 2018, Sec. 5.2. With
    ``scaled=True`` kept entries are ``1 / (1 - p)`` instead of 1 (inverted dropout, as in
    ``torch.nn.Dropout``), so every entry has mean 1. The entries follow the law (they come from
    ``numpy.random.default_rng(seed)`` with a seed drawn by Hypothesis), so an all-zero mask is
    as rare as the law makes it. float64. Cost: one uniform draw per entry.

    Parameters
    ----------
    shape : tuple or strategy of tuples
        Sides >= 0, any number of dimensions.
    p : float in [0, 1) or strategy of floats
        The drop probability.
    scaled : bool
        Divide kept entries by ``1 - p``.

    Returns
    -------
    SearchStrategy of float64 ndarray of shape ``shape``.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(bernoulli_dropout_masks((5, 8), p=0.5))
    ... def test(b):
    ...     assert set(b.ravel()) <= {0.0, 1.0}
    """
    shape = prepare(shape, _check_any_shape)
    p = prepare(p, _check_p)
    if not isinstance(scaled, (bool, np.bool_)):
        raise InvalidArgument(f"scaled={scaled!r} must be a bool")
    return _bernoulli_dropout_masks(shape, p, bool(scaled))


@st.composite
def _bernoulli_dropout_masks(draw, shape, p, scaled) -> np.ndarray:
    shape = resolve(draw, shape, _check_any_shape)
    p = resolve(draw, p, _check_p)
    rng = np.random.default_rng(draw(seeds()))
    kept = rng.random(shape) < 1.0 - p
    value = 1.0 / (1.0 - p) if scaled else 1.0
    return np.where(kept, value, 0.0)
