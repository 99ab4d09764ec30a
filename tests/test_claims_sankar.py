"""The pieces Sankar et al.'s claims rest on: closed forms checked against autograd and
Monte Carlo, generators that meet the hypotheses by construction, and checks that fail on
false variants (so a pass is not an accident of the check)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankclaims import generators as gen
from rankclaims.claims import Check, Violation, load_papers
from rankclaims.claims import sankar2018 as s
from rankclaims.claims._core import PremiseUnmet, to_exact
from rankclaims.claims._linear import gradients, loss, pgd_step, product
from rankclaims.kernels import exact_rank

load_papers(["sankar2018"])
FAST = settings(max_examples=20, deadline=None)


@FAST
@given(
    st.lists(st.integers(1, 4), min_size=2, max_size=5).flatmap(
        lambda w: st.tuples(
            gen.deep_linear_networks(widths=w, init="gaussian", scale=1.0),
            gen.matrices((w[0], 3)),
            gen.matrices((w[-1], 3)),
        )
    )
)
def test_closed_form_gradient_matches_autograd(args):
    ws, x, y = args
    auto = s._autograd_gradients(ws, x, y)
    for g, a in zip(gradients(ws, x, y), auto, strict=True):
        np.testing.assert_allclose(g, a, rtol=1e-10, atol=1e-12)


def test_linear_helpers_are_exact_on_fractions():
    ws = [np.array([[1, 2], [0, 1]]), np.array([[1, -1]])]
    x, y = np.eye(2, dtype=np.int64), np.array([[1, 0]])
    ex = [to_exact(w) for w in ws]
    step = pgd_step(
        ex,
        to_exact(x),
        to_exact(y),
        Fraction(1, 2),
        [to_exact(np.zeros((2, 2))), to_exact(np.zeros((1, 2)))],
    )
    assert all(isinstance(v, (Fraction, int)) for w in step for v in w.ravel())
    assert loss(ws, x, y) == 0.5 * float(np.sum((product(ws) @ x - y) ** 2))


def test_dropout_penalty_matches_monte_carlo():
    rng = np.random.default_rng(1)
    w1, w2, x = (
        rng.standard_normal((3, 2)),
        rng.standard_normal((2, 3)),
        rng.standard_normal((2, 4)),
    )
    y = rng.standard_normal((2, 4))
    samples = s._dropout_samples(w1, w2, x, y, 0.7, seed=3)
    expected = float(((y - w2 @ w1 @ x) ** 2).sum() + s._dropout_penalty(w1, w2, x, 0.49))
    se = samples.std() / np.sqrt(samples.size)
    assert abs(samples.mean() - expected) < 5 * se


@FAST
@given(s._lemma3_inputs())
def test_lemma3_inputs_meet_the_hypotheses_exactly(d):
    n = d["A"].shape[1]
    k = d["k"]
    assert exact_rank(d["B"]) == n - k
    assert exact_rank(d["B_hat"]) == n
    assert exact_rank(d["A"]) >= n - k


@FAST
@given(s._corollary2_inputs())
def test_corollary2_inputs_meet_the_printed_hypotheses(d):
    n, k = d["A"].shape[1], d["k"]
    ra, rb = exact_rank(d["A"]), exact_rank(d["B"])
    assert ra + rb == n - 2 * k
    assert exact_rank(d["A_hat"]) == ra + k
    assert exact_rank(d["B_hat"]) == rb + k


@FAST
@given(s._critical_points())
def test_constructed_points_are_critical(cp):
    grads = gradients(cp["W"], cp["X"], cp["Y"])
    scales = s._gradient_scale(cp["W"], cp["X"], cp["Y"])
    kappa = np.linalg.cond(cp["X"] @ cp["X"].T)
    for g, sc in zip(grads, scales, strict=True):
        assert np.linalg.norm(g) <= 1e3 * np.finfo(float).eps * kappa * max(sc, 1e-300)
    if cp["D"] is not None:
        assert cp["lam"] > 0


def test_lemma3_check_fails_on_a_false_variant():
    """Without r_B = n - k and r_B_hat = n, rank can drop: the check must notice."""
    a = np.array([[1, 0]])
    b = np.array([[1], [0]])
    b_hat = np.array([[0], [1]])  # same rank as B: k = 0 but r_B = 1 != n - k = 2
    with pytest.raises(PremiseUnmet):
        s.lemma_3.check(Check(), A=a, B=b, B_hat=b_hat, k=0)


def test_corollary2_counterexample_is_exact():
    cex = s.corollary_2.counterexamples[0]
    with pytest.raises(Violation):
        s.corollary_2.check(Check(exact=True), **{k: to_exact(v) for k, v in cex.items()})


def test_theorem1_entrywise_noise_restores_the_rank_the_scalar_reading_cannot():
    cex = dict(s.theorem_1_scalar.counterexamples[0])
    with pytest.raises(Violation):
        s.theorem_1_scalar.check(Check(exact=True), **{k: to_exact(v) for k, v in cex.items()})
    rng = np.random.default_rng(0)
    cex["epsilon_1"] = 0.5 * rng.standard_normal((2, 2))
    cex["epsilon_2"] = 0.5 * rng.standard_normal((2, 2))
    s.theorem_1.check(Check(), **cex)  # the same landing state with entrywise noise holds


def test_lemma5_identity_detects_a_wrong_phi(monkeypatch):
    rng = np.random.default_rng(0)
    ws = [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))]
    x, y = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    eps = 0.1 * rng.standard_normal((2, 4))
    s.lemma_5.check(Check(), W=ws, X=x, Y=y, epsilon=eps)
    # a φ without its second-order term εεᵀ must be caught, even for small noise
    monkeypatch.setattr(
        s, "_lemma5_bracket", lambda r, x, y, e: r @ e @ x.T + r @ x @ e.T - y @ e.T
    )
    with pytest.raises(Violation):
        s.lemma_5.check(Check(), W=ws, X=x, Y=y, epsilon=eps)


def test_section7_runs_are_seeded_and_shaped():
    runs = s._section7_runs(2018, "zero")
    assert runs["GD_rank"].tolist() == [0] * 51
    assert runs["PGD_rank"][-1] == s._S7["dy"]
    again = s._section7_runs(2018, "zero")
    np.testing.assert_array_equal(runs["PGD"], again["PGD"])
