"""The pieces Soudry & Carmon's claims rest on: every claim's verdict on the quick profile,
the recorded counterexamples, the paper's formulas against autograd on fixed inputs, and
checks that fail on wrong formulas or structured inputs (so a pass is not an accident of
the check)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from rankclaims import generators as gen
from rankclaims.claims import Check, Violation, claims_of, load_papers, run_claim
from rankclaims.claims import soudry2016 as s
from rankclaims.claims._core import PremiseUnmet, to_exact
from rankclaims.kernels import exact_rank, khatri_rao

load_papers(["soudry2016"])
CLAIMS = claims_of(["soudry2016"])


def _problem(widths, n, *, seed=0, slope=0.3, noise=0.5):
    rng = np.random.default_rng(seed)
    return {
        "X": rng.standard_normal((widths[0], n)),
        "y": rng.standard_normal(n),
        "W": [rng.standard_normal((b, a)) for a, b in itertools.pairwise(widths)],
        "E": [1 + noise * rng.standard_normal((d, n)) for d in widths[1:-1]],
        "s": slope,
    }


# -- every claim, on the quick profile -------------------------------------------------------


@pytest.mark.parametrize("c", CLAIMS, ids=[c.name for c in CLAIMS])
def test_every_claim_gets_its_expected_verdict(c):
    result = run_claim(c, profile="quick")
    assert result.verdict == c.expect, (result.notes, result.error)
    assert not any(n.startswith("REGRESSION") for n in result.notes)
    if c.expect == "refuted":
        assert result.certificate and result.counterexample is not None


def test_recorded_counterexamples_refute_exactly():
    refuted = [c for c in CLAIMS if c.counterexamples]
    assert refuted
    for c in refuted:
        for cex in c.counterexamples:
            if c.exact:
                with pytest.raises(Violation):
                    c.check(Check(exact=True), **{k: to_exact(v) for k, v in cex.items()})
            else:
                with pytest.raises(Violation):
                    c.check(Check(), **dict(cex))


def test_the_negative_weight_counterexample_has_full_rank_exactly():
    cex = s.section_6_negative.counterexamples[1]  # the ReLU one
    x, (w1, w2) = cex["X"], cex["W"]
    a1 = (w1 @ x >= 0).astype(int)  # ReLU slopes, no dropout
    delta = a1 * w2.T  # δ_1 = diag(a_1)W_2ᵀ
    assert len(set(a1.ravel())) == 2  # A_1 is not constant
    assert exact_rank(khatri_rao(delta.astype(int), x.astype(int))) == 3 == x.shape[1]


# -- the formulas against autograd, on fixed inputs ---------------------------------------------


def test_khatri_rao_gradient_matches_autograd():
    pb = _problem([3, 4, 2, 1], 5)
    fw = s._forward(pb)
    e = s._error(pb, fw)
    grads = s._autograd_gradients(pb)
    for g, auto in zip(s._gradient_matrices(pb, fw), grads, strict=True):
        np.testing.assert_allclose(g @ e, 5 * auto.ravel(), rtol=1e-12, atol=1e-14)


def test_one_hidden_layer_gradient_matrix_is_eq_4_4():
    pb = _problem([3, 4, 1], 6)
    fw = s._forward(pb)
    g1 = khatri_rao(fw.a[0], pb["X"])
    for n in range(6):
        np.testing.assert_array_equal(g1[:, n], np.kron(fw.a[0][:, n], pb["X"][:, n]))
    tilde = s._autograd_tilde_gradient(pb)
    np.testing.assert_allclose(g1 @ s._error(pb, fw), 6 * tilde.ravel(), rtol=1e-12, atol=1e-14)


def test_hessian_blocks_match_autograd():
    pb = _problem([2, 3, 2, 1], 3, seed=4)
    e_lam, ggt, _ = s._hessian_parts(pb)
    np.testing.assert_allclose(s._autograd_hessian(pb), e_lam + ggt, rtol=1e-10, atol=1e-12)
    assert np.trace(e_lam) == 0 and np.linalg.eigvalsh(e_lam)[0] < 0


# -- checks that fail when they should --------------------------------------------------------


def test_eq_5_3_check_fails_without_the_slopes_in_delta(monkeypatch):
    pb = _problem([3, 3, 2, 1], 4, seed=1)
    s.eq_5_3.check(Check(), **pb)

    deltas = s._deltas

    def no_slopes(weights, slopes):
        return deltas(weights, [np.ones_like(a) for a in slopes])

    monkeypatch.setattr(s, "_deltas", no_slopes)
    with pytest.raises(Violation):
        s.eq_5_3.check(Check(), **pb)


def test_hessian_check_fails_without_the_e_lambda_term(monkeypatch):
    pb = _problem([2, 3, 2, 1], 3, seed=2)
    s.eq_5_6_5_7.check(Check(), **pb)
    lam = s._lambda
    monkeypatch.setattr(s, "_lambda", lambda pb, fw, k: 0 * lam(pb, fw, k))
    with pytest.raises(Violation):
        s.eq_5_6_5_7.check(Check(), **pb)


def test_lemma_1_check_catches_a_fake_minimum(monkeypatch):
    pb = _problem([3, 3, 1], 6, seed=3)
    s.lemma_1.check(Check(), **pb)
    monkeypatch.setattr(s, "_autograd_tilde_gradient", lambda pb: np.zeros_like(pb["W"][0]))
    with pytest.raises(Violation):  # zero gradient, full-rank G_1, and yet e ≠ 0
        s.lemma_1.check(Check(), **pb)


def test_lemma_3_check_fails_on_structured_inputs():
    # two samples with the same x and the same noise: equal columns of A_1 ∘ X
    x = np.array([[1.0, 1.0, 0.0], [2.0, 2.0, 1.0]])
    e1 = np.array([[1.0, 1.0, 0.5], [0.7, 0.7, 1.3]])
    with pytest.raises(Violation):
        s.lemma_3.check(Check(), X=x, E_1=e1, W_1=np.ones((2, 2)), s=0.5)
    # and with the ReLU every pattern check fails (a zero column of A_1^p)
    rng = np.random.default_rng(0)
    with pytest.raises(Violation):
        s._pattern_rank_check(
            Check(), rng.standard_normal((2, 2)), rng.standard_normal((2, 2)), 0.0, "r"
        )


def test_fact_2_check_fails_on_a_repeated_pair():
    b = np.array([[1.0, 1.0], [0.0, 0.0]])
    c = np.array([[3.0, 3.0], [1.0, 1.0]])
    with pytest.raises(Violation):
        s.fact_2.check(Check(), B=b, C=c)


def test_theorem_4_check_refutes_a_bad_minimum_without_dropout():
    """The same procedure as Theorem 4, without dropout and from negative weights on
    positive data: training ends at a DLM with MSE > 0, which the check refutes."""
    rng = np.random.default_rng(2)
    x = 1 + rng.random((2, 5))
    y = rng.standard_normal(5)
    ones = [np.ones((3, 5))]
    res = gen.train_to_dlm([-1 - rng.random((3, 2)), rng.standard_normal((1, 3))], ones, 0.5, x, y)
    with pytest.raises(Violation) as err:
        s.theorem_4.check(Check(), X=x, y=y, W=res.weights, E=ones, s=0.5)
    assert err.value.certificate.startswith("empirical")


def test_theorem_4_check_sets_aside_kinks():
    pb = _problem([2, 2, 1], 3, seed=5)
    pb["W"][0][0] = 0.0  # unit 1 has u = 0 on every sample: not differentiable
    with pytest.raises(PremiseUnmet):
        s.theorem_4.check(Check(), **pb)


# -- helpers ----------------------------------------------------------------------------------


def test_exact_null_space():
    m = np.array([[1, 2, 3], [2, 4, 6]], dtype=object)
    basis = s._nullspace_exact(m)
    assert len(basis) == 2
    for v in basis:
        assert all(x == 0 for x in m @ v)
    frac = np.array([[Fraction(1, 3), Fraction(1, 2)]], dtype=object)
    (v,) = s._nullspace_exact(frac)
    assert frac @ v == 0 and all(isinstance(x, int) for x in v)


@pytest.mark.parametrize(("widths", "n"), [([2, 3], 5), ([2, 2, 3], 6), ([1, 3, 2, 2], 4)])
def test_theorem_5_witness_is_the_identity(widths, n):
    v, a_l1, a_l2 = s._witness(widths, n)
    np.testing.assert_array_equal(v, a_l2)
    np.testing.assert_array_equal(khatri_rao(a_l1, v), np.eye(widths[-2] * widths[-1])[:, :n])


def test_w0_descent_is_exact():
    pb = _problem([2, 2, 2, 1], 3, seed=6)
    pb["W"] = [np.zeros_like(w) for w in pb["W"]]
    pb["D"] = [np.ones((2, 2)), np.ones((2, 2)), np.ones((1, 2))]
    pb["X"] = np.abs(pb["X"])
    exact = {k: to_exact(v) for k, v in pb.items()}
    s.section_5_w0.check(Check(exact=True), **exact)
    s.section_5_w0.check(Check(), **pb)
