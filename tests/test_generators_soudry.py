"""Tests of the piecewise-linear network generators (Soudry & Carmon 2016's setting).

The slopes and the forward pass are Eq. 3.1 exactly (also on fractions), the noise follows
its law, every bad argument raises ``InvalidArgument`` naming it, training ends at points
whose differentiability and stationarity are what the result says, and examples shrink to
small, simple problems.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from rankclaims.generators import (
    activation_patterns,
    activation_slopes,
    all_activation_patterns,
    differentiable_local_minima,
    dropout_noise,
    leaky_slopes,
    piecewise_forward,
    piecewise_linear_networks,
    piecewise_problems,
    smoothed_datasets,
    train_to_dlm,
)

FAST = settings(max_examples=25, deadline=None, database=None)
FIND = settings(database=None, derandomize=True)  # find() must not flake


def first(strategy):
    """The simplest example of ``strategy`` (what Hypothesis shrinks to)."""
    return find(strategy, lambda _: True, settings=FIND)


# -- the model -------------------------------------------------------------------------------


def test_activation_slopes_follow_section_3():
    u = np.array([[2.0, 0.0, -3.0]])
    eps = np.array([[0.5, 2.0, 4.0]])
    # u ≥ 0 -> ε, u < 0 -> s·ε (u = 0 counts as nonnegative, as printed)
    np.testing.assert_array_equal(activation_slopes(u, eps, 0.25), [[0.5, 2.0, 1.0]])
    with pytest.raises(ValueError, match="same shape"):
        activation_slopes(u, eps[:, :2], 0.25)


def test_forward_pass_is_eq_3_1_and_exact_on_fractions():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    ws = [rng.standard_normal((2, 3)), rng.standard_normal((2, 2)), rng.standard_normal((1, 2))]
    es = [1 + rng.standard_normal((2, 4)), 1 + rng.standard_normal((2, 4))]
    s = 0.3
    fw = piecewise_forward(ws, es, s, x)
    v = x
    for layer, w in enumerate(ws):
        u = w @ v
        v = np.where(u >= 0, u, s * u) * es[layer] if layer < 2 else u
    np.testing.assert_allclose(fw.output, v[0], rtol=1e-13)
    assert [a.shape for a in fw.a] == [(2, 4), (2, 4), (1, 4)]
    assert np.all(fw.a[-1] == 1)  # a_L = 1
    # exact rationals in, exact rationals out
    frac = [np.vectorize(Fraction, otypes=[object])(w) for w in ws]
    efrac = [np.vectorize(Fraction, otypes=[object])(e) for e in es]
    fx = piecewise_forward(frac, efrac, Fraction(s), np.vectorize(Fraction, otypes=[object])(x))
    assert all(isinstance(val, Fraction) for val in fx.output)
    np.testing.assert_allclose(np.array(fx.output, dtype=float), fw.output, rtol=1e-12)
    with pytest.raises(ValueError, match="noise"):
        piecewise_forward(ws, es[:1], s, x)


# -- strategies: values ------------------------------------------------------------------------


@FAST
@given(leaky_slopes())
def test_leaky_slopes_are_nonzero(s):
    assert s != 0 and 2.0**-6 <= abs(s) <= 4.0


@FAST
@given(leaky_slopes(min_abs=0.1, max_abs=0.3, allow_negative=False))
def test_leaky_slopes_respect_bounds(s):
    assert 0.1 <= s <= 0.3


@FAST
@given(dropout_noise((3, 5), law="bernoulli", p=0.3), dropout_noise((2, 4), law="ones"))
def test_dropout_noise_discrete_laws(bern, ones):
    assert bern.shape == (3, 5) and set(np.unique(bern)) <= {0.0, 1.0}
    assert np.all(ones == 1.0)


@pytest.mark.parametrize("law", ["gaussian", "uniform"])
def test_dropout_noise_continuous_laws_have_mean_one_and_sigma(law):
    e = first(dropout_noise((200, 200), law=law, sigma=0.5))
    assert abs(e.mean() - 1.0) < 6 * 0.5 / 200  # six standard errors
    assert abs(e.std() - 0.5) < 0.02


@FAST
@given(activation_patterns((2, 3), s=0.25))
def test_activation_patterns_take_values_one_and_s(c):
    assert c.shape == (2, 3) and set(np.unique(c)) <= {1.0, 0.25}


def test_all_activation_patterns_enumerates_every_pattern():
    pats = all_activation_patterns((2, 2), s=-0.5)
    assert pats.shape == (16, 2, 2)
    assert len({p.tobytes() for p in pats}) == 16
    assert np.all(pats[0] == 1)
    with pytest.raises(InvalidArgument, match="too many"):
        all_activation_patterns((5, 5), s=0.5)


@FAST
@given(piecewise_linear_networks(widths=[3, 4, 1], init="negative"))
def test_negative_init_is_entrywise_negative(ws):
    assert [w.shape for w in ws] == [(4, 3), (1, 4)]
    assert all(np.all(w < 0) for w in ws)


@FAST
@given(piecewise_linear_networks(widths=[2, 3, 1], init="integer"))
def test_integer_init_is_small_integers(ws):
    assert all(np.all(w == np.round(w)) and np.all(np.abs(w) <= 3) for w in ws)


def test_uniform_init_has_variance_two_over_fan_in():
    (w,) = first(piecewise_linear_networks(widths=[50, 400], init="uniform"))
    assert abs(w.var() - 2 / 50) < 0.1 * 2 / 50
    assert np.all(np.abs(w) <= np.sqrt(6 / 50))


@FAST
@given(smoothed_datasets(d0=3, n_samples=6, base="repeated", scale=0.0, targets="sign"))
def test_unsmoothed_repeated_base_is_exactly_structured(data):
    x, y = data["X"], data["y"]
    assert x.shape == (3, 6) and np.all(x == x[:, :1])  # a measure-zero base, kept exactly
    assert set(np.unique(y)) <= {-1.0, 1.0}


@FAST
@given(smoothed_datasets(d0=3, n_samples=6, base="zeros", scale=1e-3))
def test_smoothing_moves_a_degenerate_base(data):
    assert np.linalg.matrix_rank(data["X"]) == 3 and np.abs(data["X"]).max() < 1e-2


@FAST
@given(
    piecewise_problems(
        widths=st.lists(st.integers(1, 3), min_size=2, max_size=3).map(lambda w: [*w, 1]),
        n_samples=st.integers(1, 5),
    )
)
def test_problems_have_the_papers_shapes(pb):
    ws, es, x = pb["W"], pb["E"], pb["X"]
    widths = [x.shape[0]] + [w.shape[0] for w in ws]
    assert widths[-1] == 1
    assert [w.shape for w in ws] == list(zip(widths[1:], widths[:-1], strict=True))
    assert [e.shape for e in es] == [(d, x.shape[1]) for d in widths[1:-1]]
    assert pb["y"].shape == (x.shape[1],) and pb["s"] != 0


def test_problems_with_relu_and_no_dropout():
    pb = first(piecewise_problems(widths=[2, 3, 1], n_samples=4, slope=0.0, noise="ones"))
    assert pb["s"] == 0.0 and np.all(pb["E"][0] == 1)


# -- training to a differentiable local minimum --------------------------------------------------


def test_train_to_dlm_reaches_a_zero_loss_dlm_when_overparametrised():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 8))
    y = rng.standard_normal(8)
    e = [1 + 0.5 * rng.standard_normal((4, 8))]
    w = [rng.standard_normal((4, 3)), rng.standard_normal((1, 4))]
    res = train_to_dlm(w, e, 0.5, x, y)
    assert res.dlm and res.mse < 1e-25 * max(res.mse_start, 1.0)
    fw = piecewise_forward(res.weights, e, 0.5, x)
    assert np.min(np.abs(fw.u[0])) > 1e-6 * np.max(np.abs(fw.u[0]))
    assert res.steps < 200


def test_train_to_dlm_finds_the_bad_minimum_without_dropout():
    """E_1 = 1, X > 0, W_1 < 0: every u stays negative and the network is linear in x;
    with N > d_0 the best fit leaves an error, and training ends at a DLM with MSE > 0."""
    rng = np.random.default_rng(2)
    x = 1 + rng.random((2, 5))
    y = rng.standard_normal(5)
    w = [-1 - rng.random((3, 2)), rng.standard_normal((1, 3))]
    res = train_to_dlm(w, [np.ones((3, 5))], 0.5, x, y)
    assert res.differentiable and res.stationary and res.local_min and res.dlm
    assert res.mse > 1e-3
    # the error is orthogonal to the rows of X (the least-squares condition of the region)
    fw = piecewise_forward(res.weights, [np.ones((3, 5))], 0.5, x)
    assert np.linalg.norm(x @ (fw.output - y)) < 1e-8


def test_train_only_the_last_two_layers_keeps_the_others():
    pb = first(piecewise_problems(widths=[2, 2, 3, 1], n_samples=4))
    res = train_to_dlm(pb["W"], pb["E"], pb["s"], pb["X"], pb["y"], trainable="last-two")
    np.testing.assert_array_equal(res.weights[0], pb["W"][0])
    assert not np.array_equal(res.weights[2], pb["W"][2])


@settings(max_examples=30, deadline=None, database=None)
@given(
    differentiable_local_minima(
        piecewise_problems(widths=[3, 3, 1], n_samples=st.integers(1, 8), sigma=0.5)
    )
)
def test_differentiable_local_minima_are_checked_not_filtered(pb):
    res = train_to_dlm(pb["W"], pb["E"], pb["s"], pb["X"], pb["y"], max_steps=0)
    assert len(pb["W_0"]) == 2
    if res.dlm:  # with N ≤ d_0d_1 and dropout noise, every DLM reached has zero loss
        # zero up to rounding: near-collinear X (a structured base plus small noise) leaves
        # an MSE of ~1e-19·‖y‖² after Levenberg-Marquardt (CI saw 1.08e-19)
        assert res.mse <= 1e-14 * max(float(pb["y"] @ pb["y"]), 1.0)


def test_most_drawn_minima_are_dlms():
    hits = []

    @settings(max_examples=40, deadline=None, database=None)
    @given(differentiable_local_minima(piecewise_problems(widths=[3, 4, 1], n_samples=6)))
    def run(pb):
        hits.append(train_to_dlm(pb["W"], pb["E"], pb["s"], pb["X"], pb["y"], max_steps=0).dlm)

    run()
    assert sum(hits) >= 0.6 * len(hits)


# -- argument validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: leaky_slopes(min_abs=0.0), "min_abs"),
        (lambda: leaky_slopes(min_abs=2.0, max_abs=1.0), "exceeds max_abs"),
        (lambda: leaky_slopes(allow_negative="yes"), "allow_negative"),
        (lambda: dropout_noise((2, 3), law="dropout"), "law"),
        (lambda: dropout_noise((2, 3), sigma=-1.0), "sigma"),
        (lambda: dropout_noise((2, 3), p=1.0), "p=1.0"),
        (lambda: dropout_noise((2,)), "shape"),
        (lambda: activation_patterns((2, 0), s=0.5), "side 0"),
        (lambda: activation_patterns((2, 2), s=float("nan")), "slope"),
        (lambda: piecewise_linear_networks(widths=[3]), "at least 2"),
        (lambda: piecewise_linear_networks(widths=[3, 0]), "widths\\[1\\]"),
        (lambda: piecewise_linear_networks(widths=[3, 2], init="he"), "init"),
        (lambda: piecewise_linear_networks(widths=[3, 2], init="zeros", scale=1.0), "scale"),
        (lambda: smoothed_datasets(d0=0, n_samples=3), "d0"),
        (lambda: smoothed_datasets(d0=2, n_samples=3, base="noise"), "base"),
        (lambda: smoothed_datasets(d0=2, n_samples=3, targets="labels"), "targets"),
        (lambda: smoothed_datasets(d0=2, n_samples=3, scale=-1.0), "scale"),
        (lambda: piecewise_problems(widths=[3, 2], n_samples=3), "at least 3"),
        (lambda: piecewise_problems(widths=[3, 2, 2], n_samples=3), "single output"),
        (lambda: piecewise_problems(widths=[3, 2, 1], n_samples=0), "n_samples"),
        (lambda: piecewise_problems(widths=[3, 2, 1], n_samples=2, slope="leaky"), "slope"),
        (lambda: piecewise_problems(widths=[3, 2, 1], n_samples=2, noise="x"), "noise"),
        (lambda: differentiable_local_minima([1, 2]), "strategy of problems"),
        (
            lambda: differentiable_local_minima(
                piecewise_problems(widths=[2, 2, 1], n_samples=2), trainable="first"
            ),
            "trainable",
        ),
        (
            lambda: differentiable_local_minima(
                piecewise_problems(widths=[2, 2, 1], n_samples=2), restarts=-1
            ),
            "restarts",
        ),
    ],
)
def test_bad_arguments_raise_invalid_argument(make, match):
    with pytest.raises(InvalidArgument, match=match):
        make()


def test_arguments_given_as_strategies_are_checked_when_drawn():
    bad = piecewise_problems(widths=st.just([2, 2, 2]), n_samples=2)
    with pytest.raises(InvalidArgument, match="single output"):
        first(bad)
    with pytest.raises(InvalidArgument, match="drawn from the strategy"):
        first(dropout_noise(st.just((2, 0)), law="gaussian"))


# -- shrinking --------------------------------------------------------------------------------


def test_examples_shrink_to_small_simple_problems():
    pb = first(
        piecewise_problems(
            widths=st.lists(st.integers(1, 4), min_size=2, max_size=4).map(lambda w: [*w, 1]),
            n_samples=st.integers(1, 10),
            init="integer",
            data_base="integer",
            data_scale=0.0,
            targets="integer",
        )
    )
    assert [w.shape for w in pb["W"]] == [(1, 1), (1, 1)] and pb["X"].shape == (1, 1)
    assert pb["s"] == 0.5 and all(np.all(w == 0) for w in pb["W"])
    assert np.all(pb["X"] == 0) and np.all(pb["y"] == 0)


def test_failing_examples_shrink_to_the_smallest_failure():
    # the smallest problem whose one-hidden-layer network has two hidden units and N = 3
    pb = find(
        piecewise_problems(
            widths=st.integers(1, 4).map(lambda d: [2, d, 1]), n_samples=st.integers(1, 6)
        ),
        lambda p: p["W"][0].shape[0] >= 2 and p["X"].shape[1] >= 3,
        settings=FIND,
    )
    assert pb["W"][0].shape == (2, 2) and pb["X"].shape == (2, 3)


def test_patterns_and_slopes_shrink_to_the_simplest():
    assert np.all(first(activation_patterns((3, 4), s=0.5)) == 1)
    assert first(leaky_slopes()) == 0.5
    bits = find(activation_patterns((2, 2), s=0.5), lambda c: (c != 1).sum() == 1, settings=FIND)
    assert (bits != 1).sum() == 1 and bits.flat[0] == 0.5  # the first entry, lexicographically


def test_all_patterns_cover_every_realisable_sign_pattern():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2))
    pats = {p.tobytes() for p in all_activation_patterns((2, 2), s=0.5)}
    for w in itertools.islice((rng.standard_normal((2, 2)) for _ in itertools.count()), 50):
        a = activation_slopes(w @ x, np.ones((2, 2)), 0.5)
        assert a.tobytes() in pats
