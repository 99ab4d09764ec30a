"""Daneshmand et al. 2020's claims: every verdict on the quick profile, the recorded
counterexamples, the helpers the checks rest on (against naive or exact computations), and
every check failing on a deliberately wrong input (so that a pass is not an accident)."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from itertools import product as iproduct

import numpy as np
import pytest
import torch

from rankclaims import generators as gen
from rankclaims.claims import Check, Undecided, Violation, claims_of, run_claim
from rankclaims.claims import daneshmand2020 as D
from rankclaims.claims._core import PremiseUnmet, to_exact
from rankclaims.claims._runner import _certify
from rankclaims.kernels import effective_rank, soft_rank

CLAIMS = claims_of(["daneshmand2020"])


@pytest.mark.parametrize("c", CLAIMS, ids=[c.id for c in CLAIMS])
def test_every_claim_gets_its_expected_verdict(c):
    r = run_claim(c, profile="quick", seed=0)
    assert r.verdict == c.expect, (r.verdict, r.notes, r.error)
    assert not [n for n in r.notes if n.startswith("REGRESSION")]
    if c.kind in ("probabilistic", "asymptotic") and c.expect == "holds":
        assert "1e-6" in c.tolerance or "exact" in c.tolerance  # the confidence is stated
        assert c.evidence


REFUTED = [c for c in CLAIMS if c.expect == "refuted"]


@pytest.mark.parametrize("c", REFUTED, ids=[c.id for c in REFUTED])
def test_recorded_counterexamples_refute_with_a_certificate(c):
    assert c.counterexamples
    for cex in c.counterexamples:
        with pytest.raises(Violation) as err:
            c.check(Check(), **dict(cex))
        cert = _certify(c, dict(cex), err.value)
        assert cert is not None and cert.split(":")[0] in ("exact", "statistical", "margin")
        if c.exact:  # the exact re-run fails too
            with pytest.raises(Violation):
                c.check(Check(exact=True), **{k: to_exact(v) for k, v in cex.items()})


# -- statistics helpers ----------------------------------------------------------------


def test_one_sided_mean_tests_decide_refute_and_abstain():
    rng = np.random.default_rng(0)
    good = 1.0 + 0.01 * rng.standard_normal(100)
    Check().mean_at_least(good, 0.9, "x")
    with pytest.raises(Violation) as err:
        Check().mean_at_least(good, 1.1, "x")
    assert err.value.statistical
    with pytest.raises(Undecided):  # 'sufficiently small γ': no refutation at one γ
        Check().mean_at_least(good, 1.1, "x", refute=False)
    with pytest.raises(Undecided):  # straddles
        Check().mean_at_least(good, 1.0, "x")
    Check().mean_at_most(good, 1.1, "x")
    with pytest.raises(Violation):
        Check().mean_at_most(good, 0.9, "x")
    with pytest.raises(Undecided):  # E = bound exactly: not < bound
        Check().mean_at_most(np.ones(10), 1.0, "x", strict=True)
    c = Check()
    c.mean_at_least(good, 0.9, "x")
    assert c.record.confidence["lower"] < 1.0 < c.record.confidence["upper"]


def test_mean_close_within_uses_its_slack():
    x = 1e-14 + 1e-16 * np.random.default_rng(1).standard_normal(1000)
    with pytest.raises(Violation):
        Check().mean_close(x, 0.0, "x", slack=0.0)
    Check().mean_close(x, 0.0, "x", slack=1e-13)


def test_stack_ranks_decides_and_abstains():
    a = np.stack([np.eye(3), np.diag([1.0, 1.0, 0.0])])
    c = Check()
    assert D.stack_ranks(c, a, "r").tolist() == [3, 2]
    assert c.record.exact_rank_estimated  # a below-full float rank bounds the exact one only
    grey = np.diag([1.0, 1.0, math.sqrt(np.finfo(float).eps)])  # at the threshold √eps·σ₁
    with pytest.raises(Undecided):
        D.stack_ranks(Check(), grey[None], "r")


def test_ergodic_averages_match_a_manual_computation():
    e = D.ergodic(3, 0.5, "gaussian", runs=2, burn=3, window=4, seed=9, taus=(0.5,))
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 3))
    states = []
    gen.bn_chain(x, gamma=0.5, depth=7, rng=rng, runs=2, observe=lambda _, h: states.append(h))
    window = np.stack(states[3:])  # layers 4..7
    m = window @ np.swapaxes(window, -1, -2) / 3
    r = np.trace(m, axis1=2, axis2=3) ** 2 / (m * m).sum(axis=(2, 3))
    np.testing.assert_allclose(e.r, r.mean(axis=0))
    g1 = np.trace(m @ m @ m, axis1=2, axis2=3).mean(axis=0)
    g2 = (np.diagonal(m @ m, axis1=2, axis2=3) ** 2).sum(axis=2).mean(axis=0)
    np.testing.assert_allclose(e.alpha, g2 / g1)
    np.testing.assert_allclose(e.soft[0.5], np.asarray(soft_rank(window, 0.5)).mean(axis=0))


# -- Lemma 1 ----------------------------------------------------------------------------


def test_lemma1_part1_corrected_sets_the_zero_matrix_aside():
    with pytest.raises(PremiseUnmet):
        D.lemma_1_part_1_corrected.check(Check(), H=np.zeros((2, 2)))
    D.lemma_1_part_1_corrected.check(Check(), H=np.eye(3))  # the tight case r = rank


def test_lemma1_part1_check_fails_when_r_exceeds_the_rank(monkeypatch):
    monkeypatch.setattr(D, "effective_rank", lambda h: 2.0 * float(effective_rank(h)))
    with pytest.raises(Violation):
        D.lemma_1_part_1.check(Check(), H=np.eye(2))


def test_lemma1_part2_needs_the_chain_hypothesis():
    """Part 2 uses Tr M = d (rows of norm √N); for H outside 𝓗 it fails: the check's
    inequality is the real one."""
    h = 0.1 * np.eye(4)
    assert int(soft_rank(h, 0.5)) == 0 < (1 - 0.5) ** 2 * float(effective_rank(h))
    s = gen.batch_norm(h)  # in 𝓗 it holds
    assert int(soft_rank(s, 0.5)) >= 0.25 * float(effective_rank(s))


def test_lemma1_part2_check_fails_on_a_wrong_soft_rank(monkeypatch):
    real = D.soft_rank

    def halved(h, tau, **kw):
        d = real(h, tau, **kw)
        return dataclasses.replace(d, rank=np.zeros_like(np.asarray(d.rank)))

    monkeypatch.setattr(D, "soft_rank", halved)
    with pytest.raises(Violation):
        D.lemma_1_part_2.check(
            Check(), d=3, N=3, gamma=0.5, law="gaussian", depth=3, seed=0,
            activation="linear", X=np.eye(3), tau=0.5,
        )  # fmt: skip


# -- Lemma 3 ----------------------------------------------------------------------------


def test_lemma3_gap_estimator_matches_the_svd_ratio():
    """The QR-accumulated exponents track log σ₂/σ₁ of B_ℓX up to a bounded offset (where
    the SVD still resolves it): their slopes agree, so the statistic is the lemma's."""
    rng = np.random.default_rng(3)
    d, gamma = 4, 0.5
    x = rng.standard_normal((d, d))
    q, _ = np.linalg.qr(x[:, :2])
    logs = np.zeros(2)
    b = x.copy()
    qr_trace, svd_trace = [], []
    for _ in range(80):
        a = np.eye(d) + gamma * rng.standard_normal((d, d))
        q, r = np.linalg.qr(a @ q)
        logs += np.log(np.abs(np.diag(r)))
        b = a @ b
        b /= np.linalg.norm(b)
        s = np.linalg.svd(b, compute_uv=False)
        qr_trace.append(logs[1] - logs[0])
        svd_trace.append(math.log(s[1] / s[0]))
    offset = np.array(qr_trace) - np.array(svd_trace)
    assert svd_trace[-1] > -25  # still resolved by the SVD
    assert np.abs(offset[20:] - offset[20]).max() < 1.0  # bounded offset, same slope
    assert qr_trace[-1] < -5


def test_lemma3_check_abstains_without_collapse(monkeypatch):
    """Orthogonal factors: no gap, so the check cannot decide that H̃ collapses."""

    def orthogonal(self, rng, shape, dtype=np.float64):
        g = rng.standard_normal(shape)
        skew = (g - np.swapaxes(g, -1, -2)) / 2
        return skew  # I + γ·skew is close to a rotation: σ₂/σ₁ does not decay like e^{-cℓ}

    monkeypatch.setattr(gen.WeightLaw, "sample", orthogonal)
    with pytest.raises((Undecided, Violation)):
        D.lemma_3_a.check(Check(), d=4, gamma=0.2, law="gaussian", seed=1)


# -- Lemma 4 and the uniqueness hypothesis -------------------------------------------------


def test_lemma4_statistic_detects_an_asymmetric_law():
    samples, start = D.lemma4_statistic(3, 1.0, "asymmetric-uniform", seed=0, runs=200)
    assert start > 0
    with pytest.raises(Violation):
        Check().mean_close(samples, 0.0, "E[mean entry]")
    with pytest.raises(PremiseUnmet):
        D.lemma_4.check(Check(), d=3, gamma=1.0, law="asymmetric-uniform", seed=0)


def test_uniqueness_needs_a_small_gamma():
    # γ·d·B ≥ 1: not 'sufficiently small', and then flips are possible
    with pytest.raises(PremiseUnmet):
        D.theorem_14_uniqueness.check(Check(), d=1, law="three-point:9", gamma=0.125, seed=0)
    assert D.flip_possible(gen.weight_law("three-point:9"), Fraction(1, 8), 1)
    assert not D.flip_possible(gen.weight_law("uniform"), Fraction(1, 8), 1)
    states = D.fixed_rank_one_states(3, 3)
    for h in states:
        w = gen.weight_law("uniform").sample(np.random.default_rng(0), (3, 3))
        np.testing.assert_array_equal(gen.batch_norm((np.eye(3) + w / 6) @ h), h)


# -- Lemmas 5 and 6 ------------------------------------------------------------------------


def test_lemma5_corrected_needs_rank_two_inputs():
    x = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0])
    with pytest.raises(PremiseUnmet):
        D.lemma_5_corrected.check(Check(), d=3, law="uniform", gamma=1 / 24, X=x, depth=3, seed=0)
    # and the conclusion is checked: rank-one chains would fail it
    states = []
    gen.bn_chain(x, gamma=1 / 24, depth=3, law="uniform", seed=0,
                 observe=lambda _, h: states.append(h[0].copy()))  # fmt: skip
    assert D.stack_ranks(Check(), np.stack(states), "r").max() == 1


def test_lemma6_corrected_keeps_the_signs_for_every_corner():
    law = gen.weight_law("three-point:9")
    d, gamma = 2, 1 / (8 * 9 * 2)
    for s in iproduct((-1, 1), repeat=d):
        for w in iproduct((-9.0, 0.0, 9.0), repeat=d * d):
            D.lemma_6_corrected.check(
                Check(), law=law.spec, gamma=gamma, s=np.array(s), W=np.array(w).reshape(d, d)
            )


# -- Lemma 7, Proposition 8, Example 9 ---------------------------------------------------


def test_exact_expectation_matches_float_enumeration():
    m = np.array([[1.0, 0.5], [0.5, 1.0]])
    lo, hi = D.exact_expected_change(np.array([[Fraction(x) for x in r] for r in m]), 3)
    gamma = 1 / 8
    vals = []
    for signs in iproduct((-1.0, 1.0), repeat=4):
        mp = D.one_step_fro2(m, np.array(signs).reshape(1, 2, 2), gamma)
        vals.append(float((mp**2).sum()))
    want = (np.mean(vals) - (m * m).sum()) / gamma**2
    assert float(lo) <= want + 1e-9 and want - 1e-9 <= float(hi)
    assert hi - lo < Fraction(1, 2**150)


def test_lemma7_checks_fail_with_a_wrong_coefficient(monkeypatch):
    m = np.array([[1.0, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 1.0]])
    D.lemma_7.check(Check(), M=m, law="uniform", seed=0)
    D.lemma_7_exact.check(Check(), M=m)
    real = D.delta_f
    monkeypatch.setattr(D, "delta_f", lambda mm: real(mm) + 1)
    with pytest.raises(Violation):
        D.lemma_7.check(Check(), M=m, law="uniform", seed=0)
    with pytest.raises(Violation):
        D.lemma_7_exact.check(Check(), M=m)


def test_delta_f_is_the_gamma_squared_coefficient_for_gaussian_weights_too():
    m = gen.second_moment(gen.batch_norm(np.random.default_rng(4).standard_normal((4, 4))))
    samples = D.lemma7_samples(m, "gaussian", seed=2)
    se = samples.std() / math.sqrt(samples.size)
    assert abs(samples.mean() - float(D.delta_f(m))) < 6 * se


def test_proposition8_as_printed_fails_only_off_d_equal_one():
    D.proposition_8.check(Check(), M=np.eye(1))
    with pytest.raises(Violation):
        D.proposition_8.check(Check(), M=np.eye(3))
    D.proposition_8_corrected.check(Check(), M=np.eye(3))
    with pytest.raises(PremiseUnmet):  # rows of unequal norm
        D.proposition_8_corrected.check(
            Check(), M=np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]])
        )


def test_example9_bound_is_checked():
    frob, eig = D.example9_samples(3, 0.05, "uniform", seed=0)
    Check().mean_at_most(frob, 0.0, "f")
    # a bound 1000 times stronger than the paper's is false, and the test says so
    with pytest.raises(Violation):  # E‖M₊‖² − ‖M‖² < −1000γ⁴d² is false
        Check().mean_at_most(frob + 999 * 0.05**4 * 9, 0.0, "f")
    assert eig.mean() < 0


# -- Examples 11 and 12, Lemma 16 --------------------------------------------------------


def test_example11_check_fails_without_positive_semidefiniteness():
    # equal row norms, α ≥ 1, but eigenvalues 3 and −1: the conclusion needs M = M(H)
    m = np.array([[[1.0, 2.0], [2.0, 1.0]]])
    with pytest.raises(Violation):
        D.example_11.check(Check(), M=m, p=np.array([1.0]))
    D.example_11.check(Check(), M=np.ones((1, 2, 2)), p=np.array([1.0]))


def test_example12_closed_form_matches_the_matrix():
    p, q, mm = 1, 2, 4  # d = 16, λ₁ = 4
    d = mm**q
    lam1 = mm**p
    cc = (d - lam1) / (d - 1)
    m = cc * np.eye(d) + (lam1 - cc) / d * np.ones((d, d))
    np.testing.assert_allclose(np.diag(m), 1.0)
    lam = np.linalg.eigvalsh(m)
    assert lam.max() == pytest.approx(lam1) and lam.min() == pytest.approx(cc)
    alpha = (np.diagonal(m @ m) ** 2).sum() / np.trace(m @ m @ m)
    assert float(D.example12_alpha(p, q, mm)) == pytest.approx(alpha, rel=1e-12)


def test_example12_corrected_check_rejects_a_slow_spike():
    with pytest.raises(Violation):
        D.example_12_corrected.check(Check(), p=1, q=4, m=[8, 16, 32, 64])
    D.example_12_corrected.check(Check(), p=3, q=4, m=[3, 6, 12, 24])


def test_lemma16_premise_guards_the_conclusion():
    with pytest.raises(PremiseUnmet):  # increasing: not the lemma's sequence
        D.lemma_16.check(Check(), y=np.array([0, 5]), alpha=1.0)
    with pytest.raises(PremiseUnmet):  # limit 1 is not > α = 1
        D.lemma_16.check(Check(), y=np.array([3, 1]), alpha=1.0)
    D.lemma_16.check(Check(), y=np.array([3, 2]), alpha=1.5)


# -- Theorem 14, Corollary 15 --------------------------------------------------------------


def test_theorem14_check_abstains_on_a_collapsing_chain():
    """The asymmetric law collapses the chain to rank one (α = 1): the check cannot pass."""
    with pytest.raises((Undecided, Violation)):
        D._theorem14_check(Check(), 6, 1.0, "asymmetric-uniform", 0, runs=8, window=100, every=1)


def test_corollary15_check_fails_on_a_collapsing_chain():
    with pytest.raises(Violation):
        D.corollary_15.check(Check(), d=8, gamma=1.0, law="asymmetric-uniform", seed=0)


def test_bn_lyapunov_spectrum_has_zero_and_negative_exponents():
    lyap = D.bn_lyapunov(8, math.inf, "gaussian", depth=400, seed=0, runs=2).mean(axis=0)
    assert np.all(np.diff(lyap) <= 1e-12)
    assert abs(lyap[0]) < 0.02 and lyap[-1] < -0.5  # some stay, some decay


# -- Proposition 19 -----------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["squared", "cross-entropy"])
def test_prop19_closed_form_gradient_matches_autograd(loss):
    rng = np.random.default_rng(0)
    d, n, d_out = 3, 4, 2
    h = np.outer(rng.standard_normal(d), rng.standard_normal(n))  # rank one
    w = torch.tensor(rng.standard_normal((d_out, d)), requires_grad=True)
    y = rng.standard_normal((d_out, n))
    labels = rng.integers(0, d_out, n)
    hh = torch.tensor(h)
    grads, dl = [], []
    for i in range(n):
        z = w @ hh[:, i]
        if loss == "squared":
            li = 0.5 * ((z - torch.tensor(y[:, i])) ** 2).sum()
            dl.append((z - torch.tensor(y[:, i])).detach().numpy())
        else:
            li = torch.nn.functional.cross_entropy(z[None], torch.tensor([labels[i]]))
            p = torch.softmax(z, 0).detach().numpy()
            dl.append(p - np.eye(d_out)[labels[i]])
        (g,) = torch.autograd.grad(li, w)
        grads.append(g.numpy())
    for i in range(n):
        np.testing.assert_allclose(grads[i], np.outer(dl[i], h[:, i]), rtol=1e-12)
    # the (corrected) identity for row k between samples 0 and 1
    k, cc = 0, h[0, 0] / h[0, 1]
    np.testing.assert_allclose(grads[0][k], cc * dl[0][k] / dl[1][k] * grads[1][k], rtol=1e-10)


def test_prop19_check_fails_with_a_wrong_coefficient(monkeypatch):
    args = {"H": np.array([[1, 2]]), "W": np.array([[1]]), "Y": np.array([[0, 0]]),
            "i": 0, "j": 1, "k": 0}  # fmt: skip
    D.proposition_19_corrected.check(Check(), **args)
    real = D._coef_c
    monkeypatch.setattr(D, "_coef_c", lambda H, i, j: 2 * real(H, i, j))
    with pytest.raises(Violation):
        D.proposition_19_corrected.check(Check(), **args)


# -- the experiments -------------------------------------------------------------------------


def test_figure2_bn_floor_is_checked():
    """With the asymmetric initialisation BN collapses too: the BN half of Figure 2's check
    fails on it."""
    res = D.figure2_ranks(0, "linear", law="asymmetric-uniform", runs=8, depths=(1, 32))
    assert res["BN"][-1].max() <= 2
    with pytest.raises(Violation):
        Check().mean_at_least(res["BN"][-1], math.sqrt(32), "BN rank")


def test_figure5_check_fails_for_equal_initialisations():
    ranks = D.figure5_ranks(Check(), 0, "relu", ("pytorch-uniform", "pytorch-uniform"), runs=8)
    diff = ranks["pytorch-uniform"][-1] - ranks["pytorch-uniform"][-1]
    with pytest.raises((Violation, Undecided)):
        Check().mean_at_least(diff, math.sqrt(32), "difference")


def test_figure3a_check_refutes_a_flat_width_profile(monkeypatch):
    def flat(d, gamma, law, **kw):
        e = D.Ergodic(d=d, n=d, r=np.ones(16), fro2=np.ones(16), g1=np.ones(16), g2=np.ones(16))
        e.soft = {0.5: 3.0 + 0.01 * np.random.default_rng(d).standard_normal(16)}
        return e

    monkeypatch.setattr(D, "ergodic", flat)
    with pytest.raises(Violation):
        D.figure_3a.check(Check(), gamma=1.0, seed=0)
