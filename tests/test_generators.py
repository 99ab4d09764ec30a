"""Tests of ``rankclaims.generators``: what a claim relies on when it draws its inputs.

The rank asked for is the rank produced (exactly for integer matrices, with decided margins or
against the prescribed singular values for float ones), the data and widths meet Yun et al.'s
assumptions, the noise follows its law, every bad argument raises ``InvalidArgument``, and
integer matrices shrink to the canonical form.
"""

from __future__ import annotations

import math
from random import Random

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from rankclaims.generators import (
    bernoulli_dropout_masks,
    deep_linear_networks,
    gaussian_dropout_masks,
    gradient_noise,
    integer_entry_bound,
    integer_matrices,
    matrices,
    matrix_shapes,
    seeds,
    smoothed,
    yun_datasets,
    yun_widths,
)
from rankclaims.kernels import exact_rank, matrix_rank, singular_values

FAST = settings(max_examples=30, deadline=None, database=None)
FEW = settings(max_examples=10, deadline=None, database=None)
FIND = settings(database=None, derandomize=True)  # find() must not flake
FLOATS = st.sampled_from([np.float32, np.float64])
SE = 6.0  # statistical checks: within 6 standard errors (a false alarm about once in 1e9)


def first(strategy):
    """The simplest example of ``strategy`` (what Hypothesis shrinks to)."""
    return find(strategy, lambda _: True, settings=FIND)


def certain_rtol(dtype) -> float:
    """A relative threshold clear of rounding, as the README recommends for rank deficiency."""
    return 1e-10 if np.dtype(dtype) == np.float64 else 1e-4


def sv_tolerance(shape, dtype, s1: float) -> float:
    """How far the singular values of a generated matrix may lie from the prescribed ones.

    Rounding the entries to ``dtype`` moves them by at most ``eps/2 sqrt(m n) s1`` (Frobenius
    norm of the rounding); forming ``U diag(s) V^T`` and the SVD add ``p(m, n) eps s1`` (the
    README's bound); doubled for safety.
    """
    m, n = shape
    p = 2 * math.sqrt(max(m, n)) + 2
    return 2 * (math.sqrt(m * n) + p) * np.finfo(dtype).eps * s1


def computed_singular_values(a: np.ndarray) -> np.ndarray:
    """Singular values of ``a`` in float64, so that only the generator's rounding is seen."""
    return np.asarray(singular_values(a.astype(np.float64)))


def within_se(estimate: float, expected: float, se: float) -> bool:
    return abs(estimate - expected) <= SE * se


# --- matrix_shapes ---------------------------------------------------------------------------


@FAST
@given(matrix_shapes(min_side=2, max_side=4))
def test_matrix_shapes_within_bounds(shape):
    assert isinstance(shape, tuple) and len(shape) == 2
    assert all(2 <= side <= 4 for side in shape)


def test_matrix_shapes_shrink_to_smallest_and_reach_vectors():
    assert first(matrix_shapes()) == (1, 1)
    assert first(matrix_shapes(min_side=3)) == (3, 3)
    assert find(matrix_shapes(), lambda s: s[0] == 1 and s[1] == 6, settings=FIND) == (1, 6)


# --- matrices ---------------------------------------------------------------------------------


@FAST
@given(st.data(), FLOATS)
def test_matrices_have_the_rank_asked_for(data, dtype):
    shape = data.draw(matrix_shapes(max_side=6), label="shape")
    rank = data.draw(st.integers(0, min(shape)), label="rank")
    a = data.draw(matrices(shape, rank=rank, dtype=dtype))
    assert a.shape == shape and a.dtype == dtype
    d = matrix_rank(a, rtol=certain_rtol(dtype), return_decision=True)
    assert d.all_decided, d
    assert int(d.rank) == rank


@FAST
@given(st.data(), FLOATS)
def test_matrices_default_rank_is_full_and_spectrum_in_range(data, dtype):
    shape = data.draw(matrix_shapes(max_side=6), label="shape")
    scale = data.draw(st.floats(1e-3, 1e3), label="scale")
    a = data.draw(matrices(shape, dtype=dtype, scale=scale))
    s = computed_singular_values(a)
    tol = sv_tolerance(shape, dtype, scale)
    assert s[0] <= scale + tol
    assert s[-1] >= scale * 1e-3 - tol  # full rank min(shape), every value in [scale*1e-3, scale]


@FAST
@given(st.data(), FLOATS)
def test_matrices_have_the_singular_values_asked_for(data, dtype):
    shape = data.draw(matrix_shapes(max_side=6), label="shape")
    k = min(shape)
    sv = data.draw(st.lists(st.floats(1e-2, 1e2), max_size=k), label="singular_values")
    a = data.draw(matrices(shape, singular_values=sv, dtype=dtype))
    want = np.zeros(k)
    want[: len(sv)] = sorted(sv, reverse=True)
    s = computed_singular_values(a)
    assert np.abs(s - want).max(initial=0.0) <= sv_tolerance(shape, dtype, max(sv, default=0.0))


@FAST
@given(st.data(), FLOATS)
def test_matrices_have_the_condition_number_asked_for(data, dtype):
    shape = data.draw(matrix_shapes(min_side=2, max_side=6), label="shape")
    rank = data.draw(st.integers(2, min(shape)), label="rank")
    condition = data.draw(st.floats(1.0, 1e8), label="condition")
    scale = data.draw(st.floats(1e-2, 1e2), label="scale")
    a = data.draw(matrices(shape, rank=rank, condition=condition, dtype=dtype, scale=scale))
    s = computed_singular_values(a)
    tol = sv_tolerance(shape, dtype, scale)
    assert abs(s[0] - scale) <= tol  # sigma_1 = scale
    assert abs(s[rank - 1] - scale / condition) <= tol  # sigma_r = scale / condition
    assert np.all(s[rank:] <= tol)


def test_matrices_can_be_ill_conditioned():
    a = first(matrices((5, 4), condition=1e12))
    s = computed_singular_values(a)
    assert s[0] / s[-1] == pytest.approx(1e12, rel=1e-2)  # relative error about eps * 1e12


@FEW
@given(matrices(st.sampled_from([(1, 5), (5, 1), (1, 1)])))
def test_matrices_one_row_or_one_column(a):
    assert min(a.shape) == 1
    assert int(matrix_rank(a)) == 1


@FEW
@given(matrix_shapes(), FLOATS, st.data())
def test_matrices_rank_zero_is_the_zero_matrix(shape, dtype, data):
    for strategy in (matrices(shape, rank=0, dtype=dtype), matrices(shape, singular_values=[])):
        a = data.draw(strategy)
        assert a.shape == shape and not a.any()


@FEW
@given(
    matrices(
        st.sampled_from([(3, 3), (2, 5)]),
        rank=st.integers(1, 2),
        condition=st.floats(1.0, 10.0),
        scale=st.floats(0.5, 2.0),
    )
)
def test_matrices_accept_strategies(a):
    assert int(matrix_rank(a, rtol=1e-10)) in (1, 2)


# --- integer_matrices -------------------------------------------------------------------------


@FAST
@given(st.data())
def test_integer_matrices_have_exactly_the_rank_asked_for(data):
    shape = data.draw(matrix_shapes(max_side=6), label="shape")
    rank = data.draw(st.integers(0, min(shape)), label="rank")
    max_value = data.draw(st.integers(0, 3), label="max_value")
    a = data.draw(integer_matrices(shape, rank=rank, max_value=max_value))
    assert a.shape == shape and a.dtype == np.int64
    assert exact_rank(a) == rank
    assert np.abs(a).max() <= integer_entry_bound(*shape, rank, max_value)


@FAST
@given(integer_matrices(matrix_shapes(max_side=5)))
def test_integer_matrices_draw_the_rank_when_not_given(a):
    assert 0 <= exact_rank(a) <= min(a.shape)


def test_integer_entry_bound_up_to_side_12_fits_float32():
    bounds = [
        integer_entry_bound(m, n, r, 3)
        for m in range(1, 13)
        for n in range(1, 13)
        for r in range(min(m, n) + 1)
    ]
    assert max(bounds) == integer_entry_bound(12, 12, 11, 3) == 114_444 < 2**24


@FEW
@given(st.integers(0, 12), st.data())
def test_integer_matrices_stay_small_at_side_12(rank, data):
    a = data.draw(integer_matrices((12, 12), rank=rank))
    assert np.abs(a).max() <= integer_entry_bound(12, 12, rank, 3) <= 114_444
    assert exact_rank(a) == rank
    assert np.array_equal(a.astype(np.float32).astype(np.int64), a)  # exact in float32 too


def test_integer_matrices_shrink_to_the_canonical_form():
    assert first(integer_matrices((3, 3), rank=2)).tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 0]]
    assert first(integer_matrices((2, 4), rank=1)).tolist() == [[1, 0, 0, 0], [0, 0, 0, 0]]
    assert first(integer_matrices((3, 2), rank=2)).tolist() == [[1, 0], [0, 1], [0, 0]]
    assert not first(integer_matrices((3, 4))).any()  # the drawn rank shrinks to 0
    # a property that needs structure still shrinks to something simple
    a = find(integer_matrices((3, 3), rank=1), lambda a: (a != 0).all(), settings=FIND)
    assert exact_rank(a) == 1 and np.abs(a).max() <= 3


# --- smoothed ---------------------------------------------------------------------------------


@FAST
@given(st.data())
def test_smoothed_perturbs_every_entry_at_the_given_scale(data):
    base = data.draw(integer_matrices(matrix_shapes(max_side=5)), label="base")
    scale = data.draw(st.floats(1e-8, 1.0), label="scale")
    a = data.draw(smoothed(base, scale=scale))
    assert a.shape == base.shape and a.dtype == np.float64
    delta = a - base
    assert np.all(delta != 0)
    assert np.abs(delta).max() <= 10 * scale  # a Gaussian beyond 10 sigma: probability 1e-23


@FEW
@given(st.floats(1e-3, 10.0), st.data())
def test_smoothed_noise_is_standard_normal_times_scale(scale, data):
    a = data.draw(smoothed(np.zeros((100, 100)), scale=scale))
    n = a.size
    assert within_se(a.mean(), 0.0, scale / math.sqrt(n))
    assert within_se(a.std(), scale, scale / math.sqrt(2 * n))


@FEW
@given(smoothed(integer_matrices((3, 3), rank=1), scale=st.floats(1e-3, 1.0)))
def test_smoothed_accepts_strategies(a):
    assert a.shape == (3, 3) and a.dtype == np.float64


@FEW
@given(smoothed(np.ones((200, 50), dtype=np.float32), scale=0.25))
def test_smoothed_keeps_float32_and_its_scale(a):
    assert a.dtype == np.float32
    n = a.size
    assert within_se(float(a.std()), 0.25, 0.25 / math.sqrt(2 * n))
    assert within_se(float(a.mean()), 1.0, 0.25 / math.sqrt(n))


@FEW
@given(smoothed(matrices((4, 4), rank=1), scale=1e-3))
def test_smoothed_low_rank_base_becomes_full_rank(a):
    assert int(matrix_rank(a, rtol=1e-10)) == 4


# --- yun_datasets and yun_widths --------------------------------------------------------------


@FAST
@given(st.data())
def test_yun_datasets_meet_assumptions_ii_to_iv(data):
    dx = data.draw(st.integers(1, 5), label="dx")
    dy = data.draw(st.integers(1, 5), label="dy")
    m = data.draw(st.integers(max(dx, dy), 8), label="m")
    gap = data.draw(st.sampled_from([1e-3, 0.1, 0.5, 0.9]), label="gap")
    d = data.draw(yun_datasets(dx=dx, dy=dy, m=m, gap=gap))
    x, y = d["X"], d["Y"]
    assert set(d) == {"X", "Y"}
    assert x.shape == (dx, m) and y.shape == (dy, m)  # (ii) holds: dx, dy <= m
    k = min(dx, dy)
    for mat, want in ((x @ x.T, dx), (y @ x.T, k)):  # (iii): full rank
        r = matrix_rank(mat, rtol=1e-10, return_decision=True)
        assert r.all_decided and int(r.rank) == want
    target = y @ x.T @ np.linalg.solve(x @ x.T, x)  # Y X^T (X X^T)^{-1} X
    s = computed_singular_values(target)
    err = 1e3 * np.finfo(np.float64).eps * s[0]  # solve with cond(X X^T) <= 16, then the SVD
    assert np.all(s[k:] <= err)  # rank k: the other singular values are zero
    nonzero = s[:k]
    assert np.all(nonzero[1:] <= (1 - gap) * nonzero[:-1] + 2 * err)  # (iv): relative gap
    assert nonzero[0] == pytest.approx(1.0, rel=1e-10)


@FEW
@given(yun_datasets(dx=st.integers(1, 3), dy=st.integers(1, 3), m=st.integers(3, 5), gap=0.2))
def test_yun_datasets_accept_strategies(d):
    assert d["X"].shape[1] == d["Y"].shape[1]


def test_yun_datasets_shrink_to_y_in_the_row_space_of_x():
    d = first(yun_datasets(dx=2, dy=2, m=5))
    x, y = d["X"], d["Y"]
    residual = y - y @ x.T @ np.linalg.solve(x @ x.T, x)
    assert np.abs(residual).max() <= 1e-12


@FAST
@given(st.data())
def test_yun_widths_meet_assumption_i(data):
    dx = data.draw(st.integers(1, 5), label="dx")
    dy = data.draw(st.integers(1, 5), label="dy")
    depth = data.draw(st.integers(1, 5), label="depth")
    max_width = data.draw(st.integers(min(dx, dy), 7), label="max_width")
    widths = data.draw(yun_widths(dx=dx, dy=dy, depth=depth, max_width=max_width))
    assert len(widths) == depth + 1 and widths[0] == dx and widths[-1] == dy
    assert min(widths) == min(dx, dy)  # (i)
    assert all(min(dx, dy) <= w <= max_width for w in widths[1:-1])


def test_yun_widths_shrink_to_the_narrowest_network():
    assert first(yun_widths(dx=4, dy=2, depth=3)) == [4, 2, 2, 2]
    assert first(yun_widths(dx=4, dy=2, depth=1)) == [4, 2]


# --- deep_linear_networks ---------------------------------------------------------------------


@FAST
@given(
    yun_widths(dx=st.integers(1, 4), dy=st.integers(1, 4), depth=st.integers(1, 4)),
    st.sampled_from(["gaussian", "zeros", "orthogonal", "integer"]),
    FLOATS,
    st.data(),
)
def test_deep_linear_networks_match_widths(widths, init, dtype, data):
    ws = data.draw(deep_linear_networks(widths=widths, init=init, dtype=dtype))
    assert [w.shape for w in ws] == [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    assert all(w.dtype == dtype for w in ws)
    if init == "zeros":
        assert not any(w.any() for w in ws)
    if init == "integer":
        assert all(np.all(w == np.round(w)) and np.abs(w).max() <= 3 for w in ws)


@FAST
@given(
    st.lists(st.integers(1, 6), min_size=2, max_size=5),
    st.one_of(st.none(), st.floats(0.1, 10.0)),
    FLOATS,
    st.data(),
)
def test_orthogonal_init_is_semi_orthogonal_times_scale(widths, scale, dtype, data):
    ws = data.draw(deep_linear_networks(widths=widths, init="orthogonal", scale=scale, dtype=dtype))
    gain = 1.0 if scale is None else scale
    tol = 10 * max(widths) * np.finfo(dtype).eps * gain**2
    for w in ws:
        w = w.astype(np.float64)
        gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        assert np.abs(gram - gain**2 * np.eye(len(gram))).max() <= tol


@FEW
@given(deep_linear_networks(widths=[400, 300, 2], init="gaussian"))
def test_gaussian_init_default_is_fan_in(ws):
    for w in ws:
        std = 1 / math.sqrt(w.shape[1])
        assert within_se(w.mean(), 0.0, std / math.sqrt(w.size))
        assert within_se(w.std(), std, std / math.sqrt(2 * w.size))


@FEW
@given(deep_linear_networks(widths=[100, 200], init="gaussian", scale=0.3))
def test_gaussian_init_scale_is_the_std(ws):
    (w,) = ws
    assert within_se(w.std(), 0.3, 0.3 / math.sqrt(2 * w.size))


def test_integer_init_shrinks_to_zero_and_may_be_int64():
    ws = first(deep_linear_networks(widths=[2, 3, 1], init="integer", dtype=np.int64))
    assert [w.dtype for w in ws] == [np.int64, np.int64]
    assert not any(w.any() for w in ws)


@FEW
@given(deep_linear_networks(widths=st.just([3, 4, 2]), init="gaussian", scale=st.floats(0, 2)))
def test_deep_linear_networks_accept_strategies(ws):
    assert [w.shape for w in ws] == [(4, 3), (2, 4)]


# --- noise ------------------------------------------------------------------------------------


@FEW
@given(st.floats(0.1, 10.0), st.data())
def test_entrywise_gradient_noise_is_isotropic_gaussian(sigma, data):
    big, vec, scalar = data.draw(gradient_noise([(200, 100), (50,), ()], sigma=sigma))
    assert big.shape == (200, 100) and vec.shape == (50,) and scalar.shape == ()
    assert all(e.dtype == np.float64 for e in (big, vec, scalar))
    n = big.size
    assert within_se(big.mean(), 0.0, sigma / math.sqrt(n))
    assert within_se(big.std(), sigma, sigma / math.sqrt(2 * n))
    assert len(np.unique(big)) == n  # independent entries: no repeated values


@FEW
@given(gradient_noise([(300, 100)], sigma=2.0))
def test_entrywise_gradient_noise_has_variance_sigma_squared(eps):
    (e,) = eps
    n = e.size
    assert within_se(e.var(), 4.0, 4.0 * math.sqrt(2 / (n - 1)))
    assert within_se(e.mean(), 0.0, 2.0 / math.sqrt(n))


@FEW
@given(gradient_noise([(3, 4)] * 3000, sigma=0.5, reading="scalar"))
def test_scalar_gradient_noise_is_one_gaussian_per_array(eps):
    assert all(e.shape == (3, 4) and np.all(e == e.flat[0]) for e in eps)
    values = np.array([e.flat[0] for e in eps])
    n = len(values)
    assert within_se(values.mean(), 0.0, 0.5 / math.sqrt(n))
    assert within_se(values.var(), 0.25, 0.25 * math.sqrt(2 / (n - 1)))


def test_gradient_noise_with_sigma_zero_is_zero():
    for reading in ("entrywise", "scalar"):
        eps = first(gradient_noise([(2, 3), (4,)], sigma=0.0, reading=reading))
        assert [e.shape for e in eps] == [(2, 3), (4,)] and not any(e.any() for e in eps)


@FEW
@given(
    gradient_noise(
        st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3))), sigma=st.floats(0.0, 1.0)
    )
)
def test_gradient_noise_accepts_strategies(eps):
    assert all(e.ndim == 2 for e in eps)


@FEW
@given(gaussian_dropout_masks((300, 100), sigma=0.7))
def test_gaussian_dropout_masks_are_normal_one_sigma(g):
    n = g.size
    assert g.shape == (300, 100) and g.dtype == np.float64
    assert within_se(g.mean(), 1.0, 0.7 / math.sqrt(n))
    assert within_se(g.var(), 0.49, 0.49 * math.sqrt(2 / (n - 1)))


@FEW
@given(st.floats(0.0, 0.95), st.booleans(), st.data())
def test_bernoulli_dropout_masks_keep_with_probability_one_minus_p(p, scaled, data):
    b = data.draw(bernoulli_dropout_masks((200, 100), p=p, scaled=scaled))
    kept_value = 1 / (1 - p) if scaled else 1.0
    assert b.shape == (200, 100) and b.dtype == np.float64
    assert set(np.unique(b)) <= {0.0, kept_value}
    kept = np.mean(b != 0)
    assert within_se(kept, 1 - p, math.sqrt(max(p * (1 - p), 1e-12) / b.size))
    if scaled:
        assert within_se(b.mean(), 1.0, math.sqrt(p / (1 - p) / b.size) + 1e-12)


def test_bernoulli_dropout_with_p_zero_keeps_everything():
    assert np.all(first(bernoulli_dropout_masks((3, 4), p=0.0)) == 1.0)
    assert np.all(first(gaussian_dropout_masks((3, 4), sigma=0.0)) == 1.0)


# --- seeds ------------------------------------------------------------------------------------


@FAST
@given(seeds())
def test_seeds_are_numpy_seeds(seed):
    assert 0 <= seed <= 2**32 - 1
    np.random.default_rng(seed)


def test_seeds_shrink_to_zero_and_go_beyond_int32():
    assert first(seeds()) == 0
    # beyond int32; seeded: an unseeded find misses the upper half now and then (CI saw it)
    assert find(seeds(), lambda s: s >= 2**31, settings=FIND, random=Random(0)) == 2**31


# --- invalid arguments ------------------------------------------------------------------------

INVALID_NOW = [
    # matrix_shapes
    (lambda: matrix_shapes(min_side=0), r"min_side=0 must be >= 1"),
    (lambda: matrix_shapes(min_side=3, max_side=2), r"min_side=3 exceeds max_side=2"),
    (lambda: matrix_shapes(max_side=2.5), r"max_side=2.5 must be an integer"),
    # matrices
    (lambda: matrices((3, 4), rank=5), r"rank=5 exceeds min\(shape\)=3 for shape \(3, 4\)"),
    (lambda: matrices((3, 4), rank=-1), r"rank=-1 must be >= 0"),
    (lambda: matrices((3, 4), rank=True), r"rank=True must be an integer"),
    (lambda: matrices((3,)), r"shape=\(3,\) must have 2 sides"),
    (lambda: matrices((0, 4)), r"shape=\(0, 4\) has a side 0 < 1"),
    (lambda: matrices("ab"), r"shape='ab' must be a tuple of integers"),
    (lambda: matrices((3, 4), condition=0.5), r"condition=0.5 must be >= 1"),
    (lambda: matrices((3, 4), condition=math.inf), r"condition=inf must be finite"),
    (lambda: matrices((3, 4), scale=0.0), r"scale=0.0 must be > 0"),
    (lambda: matrices((3, 4), dtype=np.float16), r"dtype=float16 must be one of"),
    (lambda: matrices((3, 4), dtype=np.int64), r"dtype=int64 must be one of"),
    (
        lambda: matrices((3, 4), rank=1, singular_values=[1.0, 2.0]),
        r"rank=1 disagrees with singular_values, whose 2 values fix the rank",
    ),
    (
        lambda: matrices((2, 4), singular_values=[1.0, 2.0, 3.0]),
        r"singular_values has 3 values, more than min\(shape\)=2",
    ),
    (lambda: matrices((3, 4), singular_values=[1.0, 0.0]), r"must be positive and finite"),
    (lambda: matrices((3, 4), singular_values=[[1.0]]), r"must be one-dimensional"),
    (lambda: matrices((3, 4), singular_values=["a"]), r"sequence of positive floats"),
    (
        lambda: matrices((3, 4), singular_values=[1.0], condition=2.0),
        r"condition and singular_values cannot both be given",
    ),
    (
        lambda: matrices((3, 4), singular_values=[1.0], scale=2.0),
        r"scale=2.0 applies only without singular_values",
    ),
    (lambda: matrices((3, 4), condition=1e300, scale=1e-10), r"scale/condition = .* below"),
    (lambda: matrices((3, 4), scale=1e39, dtype=np.float32), r"scale = 1e\+39.* overflows"),
    # integer_matrices
    (lambda: integer_matrices((3, 4), rank=4), r"rank=4 exceeds min\(shape\)=3"),
    (lambda: integer_matrices((3, 4), max_value=-1), r"max_value=-1 must be >= 0"),
    (lambda: integer_matrices((3, 4), max_value=10**6), r"max_value=1000000 .* beyond 2\*\*53"),
    # smoothed
    (lambda: smoothed(np.zeros(3), scale=0.0), r"scale=0.0 must be > 0"),
    (lambda: smoothed(np.zeros(3), scale=-1.0), r"scale=-1.0 must be > 0"),
    (lambda: smoothed([1.0, math.nan], scale=1.0), r"base \(shape \(2,\)\) has 1 NaN"),
    (lambda: smoothed(["a"], scale=1.0), r"base must be a real array"),
    # yun_datasets, yun_widths
    (lambda: yun_datasets(dx=5, dy=2, m=4), r"dx=5 exceeds m=4: .* assumption \(ii\)"),
    (lambda: yun_datasets(dx=2, dy=5, m=4), r"dy=5 exceeds m=4"),
    (lambda: yun_datasets(dx=0, dy=2, m=4), r"dx=0 must be >= 1"),
    (lambda: yun_datasets(dx=2, dy=2, m=4, gap=0.0), r"gap=0.0 must be > 0"),
    (lambda: yun_datasets(dx=2, dy=2, m=4, gap=1.0), r"gap=1.0 must be < 1"),
    (lambda: yun_widths(dx=2, dy=3, depth=0), r"depth=0 must be >= 1"),
    (
        lambda: yun_widths(dx=3, dy=4, depth=2, max_width=2),
        r"max_width=2 is below min\(dx, dy\)=3",
    ),
    # deep_linear_networks
    (lambda: deep_linear_networks(widths=[3]), r"widths=\[3\] must have at least 2 entries"),
    (lambda: deep_linear_networks(widths=[3, 0]), r"widths\[1\]=0 must be >= 1"),
    (lambda: deep_linear_networks(widths=3), r"widths=3 must be a list of ints"),
    (lambda: deep_linear_networks(widths=[2, 2], init="he"), r"init='he' must be one of"),
    (lambda: deep_linear_networks(widths=[2, 2], scale=-1.0), r"scale=-1.0 must be >= 0"),
    (
        lambda: deep_linear_networks(widths=[2, 2], init="integer", scale=1.0),
        r"scale=1.0 applies only to init='gaussian' or 'orthogonal'",
    ),
    (
        lambda: deep_linear_networks(widths=[2, 2], dtype=np.int64),
        r"dtype=int64 must be one of float32, float64",
    ),
    # noise
    (lambda: gradient_noise((3, 4), sigma=1.0), r"shapes\[0\]=3 must be a tuple of integers"),
    (lambda: gradient_noise([(3, -1)], sigma=1.0), r"shapes\[0\]=\(3, -1\) has a side -1"),
    (lambda: gradient_noise([(3, 4)], sigma=-0.1), r"sigma=-0.1 must be >= 0"),
    (lambda: gradient_noise([(3, 4)], sigma=1.0, reading="vector"), r"reading='vector' must"),
    (lambda: gaussian_dropout_masks((3, 4), sigma=-1.0), r"sigma=-1.0 must be >= 0"),
    (lambda: gaussian_dropout_masks(3, sigma=1.0), r"shape=3 must be a tuple of integers"),
    (lambda: bernoulli_dropout_masks((3, 4), p=1.0), r"p=1.0 must be < 1"),
    (lambda: bernoulli_dropout_masks((3, 4), p=-0.1), r"p=-0.1 must be >= 0"),
    (lambda: bernoulli_dropout_masks((3, 4), p=0.5, scaled=1), r"scaled=1 must be a bool"),
]


@pytest.mark.parametrize(("make", "match"), INVALID_NOW)
def test_invalid_arguments_raise_when_the_strategy_is_built(make, match):
    with pytest.raises(InvalidArgument, match=match):
        make().validate()


INVALID_WHEN_DRAWN = [
    (matrices(st.just((3, 4)), rank=5), r"rank=5 exceeds min\(shape\)=3"),
    (matrices(st.just((3,))), r"shape=\(3,\) must have 2 sides .*drawn from the strategy just"),
    (matrices((3, 4), rank=st.just(-2)), r"rank=-2 must be >= 0 \(drawn from the strategy"),
    (matrices((2, 2), singular_values=st.just([1.0, 2.0, 3.0])), r"more than min\(shape\)=2"),
    (matrices((3, 4), condition=st.just(1e300), scale=1e-10), r"scale/condition"),
    (integer_matrices(st.just((2, 2)), rank=3), r"rank=3 exceeds min\(shape\)=2"),
    (integer_matrices((2, 2), max_value=st.just(10**9)), r"beyond 2\*\*53"),
    (smoothed(st.just(np.zeros(2)), scale=st.just(0.0)), r"scale=0.0 must be > 0"),
    (yun_datasets(dx=3, dy=1, m=st.just(2)), r"dx=3 exceeds m=2"),
    (yun_datasets(dx=1, dy=st.just(3), m=2), r"dy=3 exceeds m=2"),
    (yun_widths(dx=st.just(3), dy=3, depth=2, max_width=2), r"max_width=2 is below"),
    (deep_linear_networks(widths=st.just([2])), r"at least 2 entries"),
    (gradient_noise([(2,)], sigma=st.just(-1.0)), r"sigma=-1.0 must be >= 0"),
    (bernoulli_dropout_masks((2,), p=st.just(1.0)), r"p=1.0 must be < 1"),
    (gaussian_dropout_masks(st.just((2, -1)), sigma=1.0), r"has a side -1"),
]


@pytest.mark.parametrize(("strategy", "match"), INVALID_WHEN_DRAWN)
def test_invalid_drawn_arguments_raise_when_drawn(strategy, match):
    strategy.validate()  # a strategy argument can only be checked on what it draws
    with pytest.raises(InvalidArgument, match=match):
        first(strategy)
