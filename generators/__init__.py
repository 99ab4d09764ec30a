"""Hypothesis strategies for matrices, networks, datasets and noise.

Every strategy draws structure (shapes, ranks, integers, singular values) with Hypothesis, so
examples shrink toward small, simple cases, and continuous values (orthogonal factors, Gaussian
noise) from ``numpy.random.default_rng(seed)`` with a seed drawn by Hypothesis. Arguments are
checked when a strategy is built; an argument given as a strategy is checked on every value
drawn from it. Both raise :class:`hypothesis.errors.InvalidArgument` naming the argument.

==========================  ==============================================================
``matrix_shapes``           ``(m, n)`` with sides in ``[min_side, max_side]``
``matrices``                ``U diag(s) V^T``: prescribed rank, spectrum or condition number
``integer_matrices``        int64 matrices of exactly a given rank over the rationals
``smoothed``                ``base + scale * N(0, 1)``: inputs for "almost everywhere" claims
``yun_datasets``            ``X``, ``Y`` meeting Yun et al. 2018's data assumptions (ii)-(iv)
``yun_widths``              widths meeting Yun et al.'s assumption (i)
``deep_linear_networks``    weights ``[W_1, ..., W_H]`` for given widths
``gradient_noise``          Gaussian gradient noise, entrywise or one scalar per array
``gaussian_dropout_masks``  entries iid ``N(1, sigma^2)``
``bernoulli_dropout_masks`` entries iid ``Bernoulli(1 - p)``, optionally divided by ``1 - p``
``seeds``                   seeds for ``numpy.random.default_rng``
==========================  ==============================================================
"""

from rankclaims.generators._data import yun_datasets, yun_widths
from rankclaims.generators._integer import integer_entry_bound, integer_matrices
from rankclaims.generators._matrices import matrices, matrix_shapes
from rankclaims.generators._networks import deep_linear_networks
from rankclaims.generators._noise import (
    bernoulli_dropout_masks,
    gaussian_dropout_masks,
    gradient_noise,
    smoothed,
)
from rankclaims.generators._random import seeds

__all__ = [
    "bernoulli_dropout_masks",
    "deep_linear_networks",
    "gaussian_dropout_masks",
    "gradient_noise",
    "integer_entry_bound",
    "integer_matrices",
    "matrices",
    "matrix_shapes",
    "seeds",
    "smoothed",
    "yun_datasets",
    "yun_widths",
]
