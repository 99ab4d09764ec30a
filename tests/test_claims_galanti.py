"""The pieces Galanti & Poggio's claims rest on: constructed convergence points are convergence
points, the counterexamples are what they claim, rank floors ignore rounding noise only, and
each check fails on a false variant (so a pass is not an accident of the check)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from rankclaims import generators as gen
from rankclaims.claims import Check, Violation, load_papers
from rankclaims.claims import galanti2022 as g
from rankclaims.claims._core import PremiseUnmet

load_papers(["galanti2022"])
FAST = settings(max_examples=15, deadline=None)


def _eps(inputs, b=None):
    net = gen.build_network(inputs["spec"])
    params = [w for w in net.weights if w.requires_grad]
    grads, _, _ = g._sample_grads(net, g._t(inputs["X"]), inputs["Y"], inputs["loss"])
    return g._epsilon(grads, params, inputs["lam"], b or inputs["B"])[0], params


@FAST
@given(g._convergence_points())
def test_constructed_points_are_convergence_points(cp):
    eps, params = _eps(cp)
    scale = 2 * cp["lam"] * max(float(torch.linalg.vector_norm(w.detach())) for w in params)
    assert eps <= 1e-12 * max(scale, 1.0)
    if cp["kind"] == "path":  # a nonzero function: the "or collinear" branch of Prop. 1
        out = gen.build_network(cp["spec"])(g._t(cp["X"])).detach().numpy()
        assert np.all(np.abs(out) > 0)


def test_lemma1_check_fails_on_the_convolution_counterexample():
    cex = g._conv_counterexample()
    with pytest.raises(Violation) as err:
        g.lemma_1.check(Check(), **cex)
    assert err.value.margin >= 100


def test_theorem1_counterexample_is_an_exact_convergence_point_of_one_batch():
    cex = g._theorem1_conv_counterexample()
    net = gen.build_network(cex["spec"])
    grads = gen.batch_gradients(net, g._t(cex["X"]), cex["Y"], (0,), loss="squared", lam=1.0)
    assert np.all(grads[0] == 0)  # integers throughout: no rounding at all
    assert np.linalg.matrix_rank(cex["spec"]["weights"][0]) == 2
    with pytest.raises(Violation) as err:
        g.theorem_1_weight_shared.check(Check(), **cex)
    assert err.value.margin >= 100


def test_rank_floor_ignores_cancellation_noise_but_not_real_rank():
    # batch norm over two points (not detached): the output is ±γ + β whatever W is, so the
    # derivative is exactly zero; autograd leaves 1e-17-sized noise of full rank
    spec = gen.mlp_spec([4, 4, 1], batch_norm=True, activation="tanh", seed=0, bn="standard")
    xb = g._t(np.random.default_rng(0).normal(size=(2, 4)))
    raw = gen.output_gradient(gen.build_network(spec), xb[:1], 0, batch=xb)
    assert np.max(np.abs(raw)) < 1e-14
    assert g._grad_rank_at_most(Check(), spec, lambda n: raw, 0, "zero") == 0
    # a genuine rank-one derivative is counted
    spec1 = gen.mlp_spec([3, 3, 1], activation="identity", seed=2)
    x = g._t(np.ones((1, 3)))
    with pytest.raises(Violation):
        g._grad_rank_at_most(Check(), spec1, lambda n: gen.output_gradient(n, x, 0), 0, "r")


@FAST
@given(g._sgd_problems(lam="any", collinear=None, search=False, input_edges="any"))
def test_stable_form_fails_when_epsilon_is_understated(monkeypatch_free):
    # with ε halved the bound ‖g_i + 2λW‖ ≤ (2B − 1)ε must break for B = 1 (it is tight at
    # the worst sample), so the check is not vacuous
    p = {**monkeypatch_free, "B": 1}
    real = g._epsilon
    try:
        g._epsilon = lambda *a, **k: (real(*a, **k)[0] / 2, [])
        eps, _ = _eps(p, 1)
        if eps > 1e-6:
            with pytest.raises(Violation):
                g.eq_8_9_stable.check(Check(), **p)
    finally:
        g._epsilon = real


def test_eq_7_9_premise_rejects_points_that_are_not_convergent():
    spec = gen.mlp_spec([2, 3, 1], seed=1)
    x = np.array([[1.0, 0.5], [0.3, -1.0], [2.0, 1.0]])
    with pytest.raises(PremiseUnmet):
        g.eq_7_9.check(
            Check(), spec=spec, X=x, Y=np.ones(3), loss="squared", lam=0.1, B=1, kind="random"
        )


def test_proposition_1_needs_non_collinear_data():
    spec = gen.mlp_spec([2, 3, 1], seed=1)
    x = np.array([[1.0, 2.0], [2.0, 4.0], [-1.0, -2.0]])
    with pytest.raises(PremiseUnmet):
        g.proposition_1.check(
            Check(), spec=spec, X=x, Y=np.ones(3), loss="squared", lam=0.1, B=1, search_iters=0
        )


def test_search_moves_towards_a_convergence_point():
    spec = gen.mlp_spec([2, 3, 1], seed=5)
    x = np.array([[1.0, 0.5], [0.3, -1.0], [2.0, 1.0]])
    p = {"spec": spec, "X": x, "Y": np.array([1.0, -1.0, 0.5]), "loss": "squared", "lam": 0.1}
    before, _ = _eps(p, 1)
    net = gen.build_network(spec)
    g._search(net, g._t(x), p["Y"], loss="squared", lam=0.1, b=1, iters=60)
    after_spec = {**spec, "weights": [w.detach().numpy() for w in net.weights]}
    after, _ = _eps({**p, "spec": after_spec}, 1)
    assert after < 0.1 * before


def test_lemma2_check_counts_rank_above_b_as_failure():
    # the same check with B = 1 on a batch of two: the combination has rank 2 > 1 (for an
    # edge into a layer without normalisation; into a normalised layer the centring makes
    # it rank ≤ B − 1)
    spec = gen.mlp_spec([3, 4, 4, 1], batch_norm=True, seed=3)
    spec["norm"][2] = False
    xb = np.random.default_rng(1).normal(size=(2, 3))
    net = gen.build_network(spec)
    comb = gen.output_gradient(net, g._t(xb), 1, weights=[1.0, -0.7])
    assert np.linalg.matrix_rank(comb) == 2
    with pytest.raises(Violation):
        g._grad_rank_at_most(Check(), spec, lambda n: comb, 1, "rank")
