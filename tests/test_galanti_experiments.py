"""The SGD trainer of the Galanti & Poggio experiments and the decisions of its claims."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from rankclaims.claims import _galanti_experiments as gx
from rankclaims.claims import _galanti_sgd as gx_sgd
from rankclaims.claims._core import Check, Undecided, Violation
from rankclaims.claims._galanti_sgd import (
    BN_EPS,
    Net,
    Run,
    bn_eq5,
    forward,
    init_net,
    losses,
    mixture_data,
    train,
)
from rankclaims.claims._runner import run_claim
from rankclaims.kernels import normalized_rank

TINY = {"L": 3, "H": 6, "n": 4, "k": 3, "m": 12}


# -- the trainer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("arch", ["mlp", "mlp_bn", "res_bn"])
def test_batched_runs_equal_separate_runs(arch):
    net = Net(arch=arch, **TINY)
    runs = [
        Run(seed=1, B=3, lr=0.05, wd=0.01, momentum=0.9),
        Run(seed=2, B=3, lr=0.1, wd=0.0),
        Run(seed=1, B=4, lr=0.02, wd=0.1, momentum=0.5),
        Run(seed=3, B=12, lr=0.05, wd=0.001),
    ]
    together = train(net, runs, 3)
    for i, r in enumerate(runs):
        alone = train(net, [r], 3)
        np.testing.assert_array_equal(together.rank[i], alone.rank[0])
        np.testing.assert_allclose(together.loss[i], alone.loss[0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(together.d[i], alone.d[0], rtol=1e-12, atol=1e-14)
        for a, b in zip(together.weights, alone.weights, strict=True):
            np.testing.assert_allclose(a[i], b[0], rtol=1e-12, atol=1e-14)


def test_deterministic_for_a_seed():
    net = Net(arch="mlp_bn", **TINY)
    runs = [Run(seed=5, B=4, lr=0.05, wd=0.01, momentum=0.9), Run(seed=6, B=6, lr=0.1, wd=0.0)]
    a, b = train(net, runs, 2), train(net, runs, 2)
    for key in ("rank", "margin", "norm", "loss", "acc", "d"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    c = train(net, [Run(seed=7, B=4, lr=0.05, wd=0.01, momentum=0.9)], 2)
    assert not np.array_equal(a.weights[0][0], c.weights[0][0])


def test_chunked_groups_and_skipped_epochs_change_no_number(monkeypatch):
    """A run's numbers do not depend on which runs share its batched computation (bit for
    bit, float32 as the claims), nor on which epochs' ranks and evaluations are skipped."""
    net = Net(arch="mlp_bn", **TINY)
    runs = [
        Run(seed=s, B=B, lr=lr, wd=0.01, momentum=0.9)
        for s in (1, 2)
        for B in (3, 6)
        for lr in (0.02, 0.05)
    ]
    full = train(net, runs, 4, dtype=torch.float32)
    monkeypatch.setattr(gx_sgd, "GROUP_SAMPLES", 6)  # groups of 2 (B = 3) and 1 (B = 6) runs
    part = train(net, runs, 4, dtype=torch.float32, rank_epochs=[0, 4], eval_epochs=[3, 4])
    for key in ("norm", "d", "steps"):
        np.testing.assert_array_equal(getattr(part, key), getattr(full, key))
    for a, b in zip(part.weights, full.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(part.rank[:, [0, 4]], full.rank[:, [0, 4]])
    np.testing.assert_array_equal(part.margin[:, [0, 4]], full.margin[:, [0, 4]])
    assert (part.rank[:, 1:4] == -1).all() and np.isnan(part.margin[:, 1:4]).all()
    np.testing.assert_array_equal(part.acc[:, 3:], full.acc[:, 3:])
    np.testing.assert_array_equal(part.loss[:, 3:], full.loss[:, 3:])
    assert np.isnan(part.acc[:, :3]).all() and np.isnan(part.loss[:, :3]).all()
    with pytest.raises(ValueError):
        train(net, runs, 4, rank_epochs=[5])


def test_distance_between_epochs_matches_its_definition():
    """d(W_{t+1}, W_t) = (1/|E_T|) Σ ‖W_{t+1} − W_t‖_F over every trainable matrix."""
    net = Net(arch="res_bn", **TINY)
    run = Run(seed=3, B=4, lr=0.05, wd=0.01, momentum=0.9)
    w0, _, _ = init_net(net, run.seed)
    one, two = train(net, [run], 1), train(net, [run], 2)
    d0 = np.mean([np.linalg.norm(a[0] - b) for a, b in zip(one.weights, w0, strict=True)])
    d1 = np.mean(
        [np.linalg.norm(a[0] - b[0]) for a, b in zip(two.weights, one.weights, strict=True)]
    )
    np.testing.assert_allclose(two.d[0], [d0, d1], rtol=1e-12)
    assert len(two.weights) == len(net.shapes()) == 2 + 2 * TINY["L"]


def test_ranks_are_the_normalised_rank_of_the_final_weights():
    net = Net(arch="mlp", **TINY)
    h = train(net, [Run(seed=1, B=4, lr=0.1, wd=0.05)], 3)
    for i, w in enumerate(h.weights):
        assert h.rank[0, -1, i] == int(normalized_rank(w[0]))
    assert h.hidden == [1, 2] and h.hidden_rank().shape == (1, 4)


def test_sgd_step_is_the_regularised_gradient_step():
    """One epoch with B = m is one step: W₁ = W₀ − η(∇L + 2λW₀), checked against autograd
    on a separately built network."""
    net = Net(arch="mlp", **TINY)
    run = Run(seed=4, B=TINY["m"], lr=0.1, wd=0.03)
    h = train(net, [run], 1)
    x, y = mixture_data(run.seed, n=net.n, k=net.k, m=net.m)
    ws = [torch.tensor(w, requires_grad=True) for w in init_net(net, run.seed)[0]]
    h_ = torch.tensor(x)
    for w in ws[:-1]:
        h_ = torch.relu(h_ @ w.T)
    loss = torch.nn.functional.cross_entropy(h_ @ ws[-1].T, torch.tensor(y))
    grads = torch.autograd.grad(loss, ws)
    for w, g, got in zip(ws, grads, h.weights, strict=True):
        want = (w - run.lr * (g + 2 * run.wd * w)).detach().numpy()
        np.testing.assert_allclose(got[0], want, rtol=1e-12, atol=1e-15)


def _naive_bn(z, gamma, beta):
    """Eq. 5 written out for one batch (B, H): the variance factor enters as a constant."""
    b = z.mean(0)
    var = ((z - b) ** 2).mean(0).detach().numpy()
    a = torch.tensor(1.0 / np.sqrt(var + BN_EPS))
    return gamma * a * (z - b) + beta


def test_batch_norm_is_eq5_with_the_variance_detached():
    torch.manual_seed(0)
    z = torch.randn(2, 5, 4, dtype=torch.float64, requires_grad=True)
    gamma = torch.tensor([[[1.7]], [[0.4]]], dtype=torch.float64, requires_grad=True)
    beta = torch.tensor([[[0.3]], [[-1.1]]], dtype=torch.float64, requires_grad=True)
    c = torch.randn(2, 5, 4, dtype=torch.float64)
    out = bn_eq5(z, gamma, beta)
    g = torch.autograd.grad((c * out).sum(), (z, gamma, beta))
    for r in range(2):
        zr = z[r].detach().clone().requires_grad_(True)
        gr, br = gamma[r, 0, 0].detach().clone(), beta[r, 0, 0].detach().clone()
        gr.requires_grad_(True)
        br.requires_grad_(True)
        ref = _naive_bn(zr, gr, br)
        torch.testing.assert_close(out[r], ref, rtol=1e-13, atol=1e-13)
        gz, gg, gb = torch.autograd.grad((c[r] * ref).sum(), (zr, gr, br))
        torch.testing.assert_close(g[0][r], gz, rtol=1e-12, atol=1e-13)
        torch.testing.assert_close(g[1][r, 0, 0], gg, rtol=1e-12, atol=1e-13)
        torch.testing.assert_close(g[2][r, 0, 0], gb, rtol=1e-12, atol=1e-13)
        # detached A: ∂/∂z of Σ c·n(z) is γ·A·(c − mean(c)), the mean differentiated through
        a = 1.0 / torch.sqrt(zr.detach().var(0, unbiased=False) + BN_EPS)
        torch.testing.assert_close(gz, gr.detach() * a * (c[r] - c[r].mean(0)))
        # ... which is not the gradient of ordinary batch norm (variance differentiated)
        full = torch.nn.functional.batch_norm(zr, None, None, training=True, eps=BN_EPS)
        (gfull,) = torch.autograd.grad((c[r] * (gr.detach() * full)).sum(), (zr,))
        assert not torch.allclose(gfull, gz, rtol=1e-3)


def test_bn_network_gradient_matches_a_naive_implementation():
    net = Net(arch="mlp_bn", **TINY)
    ws0, g0, b0 = init_net(net, 2)
    x, y = mixture_data(2, n=net.n, k=net.k, m=net.m)
    xb, yb = torch.tensor(x[:5]), torch.tensor(y[:5])
    g0 = g0 * np.array([1.3, 0.7, 1.1])
    b0 = b0 + np.array([0.2, -0.1, 0.05])
    ws = [torch.tensor(w[None], requires_grad=True) for w in ws0]
    gamma = torch.tensor(g0[None], requires_grad=True)
    beta = torch.tensor(b0[None], requires_grad=True)
    loss = losses(net, forward(net, ws, gamma, beta, xb[None]), yb[None]).sum()
    got = torch.autograd.grad(loss, [*ws, gamma, beta])
    wn = [torch.tensor(w, requires_grad=True) for w in ws0]
    gn = [torch.tensor(v, requires_grad=True) for v in g0]
    bn = [torch.tensor(v, requires_grad=True) for v in b0]
    h = xb
    for i in range(net.L):
        h = torch.relu(_naive_bn(h @ wn[i].T, gn[i], bn[i]))
    ref = torch.nn.functional.cross_entropy(h @ wn[-1].T, yb)
    want = torch.autograd.grad(ref, [*wn, *gn, *bn])
    torch.testing.assert_close(loss, ref)
    for a, b in zip(got[: len(wn)], want[: len(wn)], strict=True):
        torch.testing.assert_close(a[0], b, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(got[-2][0], torch.stack(want[len(wn) : len(wn) + 3]))
    torch.testing.assert_close(got[-1][0], torch.stack(want[len(wn) + 3 :]))


def test_data_is_balanced_and_in_general_position():
    x, y = mixture_data(0, n=16, k=4, m=256)
    assert np.bincount(y).tolist() == [64] * 4
    assert np.linalg.matrix_rank(x) == 16
    assert 0.5 < float((x**2).sum(1).mean()) < 2.0


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="arch"):
        Net(arch="cnn")
    with pytest.raises(ValueError, match="divide"):
        train(Net(**TINY), [Run(seed=0, B=5, lr=0.1, wd=0.0)], 1)


# -- the trend test --------------------------------------------------------------------------


def _brute(blocks):
    """P(S ≥ S_obs), P(S ≤ S_obs) by enumerating every joint permutation."""
    obs = sum(gx._kendall(b) for b in blocks)
    totals = [
        sum(gx._kendall(np.asarray(b)[list(p)]) for b, p in zip(blocks, ps, strict=True))
        for ps in itertools.product(*(itertools.permutations(range(len(b))) for b in blocks))
    ]
    t = np.array(totals)
    return float((t >= obs).mean()), float((t <= obs).mean())


@pytest.mark.parametrize("seed", range(5))
def test_trend_test_is_exact(seed):
    rng = np.random.default_rng(seed)
    blocks = [rng.integers(0, 3, size=int(rng.integers(2, 4))).astype(float) for _ in range(3)]
    t = gx.trend_test(blocks)
    up, down = _brute(blocks)
    assert math.isclose(t["p_up"], up, rel_tol=1e-12)
    assert math.isclose(t["p_down"], down, rel_tol=1e-12)


def test_trend_test_values():
    assert gx.trend_test([np.array([1.0, 2.0, 3.0])])["p_up"] == pytest.approx(1 / 6)
    assert gx.trend_test([np.array([1.0, 2.0, 3.0])] * 2)["p_up"] == pytest.approx(1 / 36)
    assert gx.trend_test([np.array([1.0, 1.0, 2.0])])["p_up"] == pytest.approx(1 / 3)
    # NaN (a run that did not train) leaves its block; a lone value carries nothing
    t = gx.trend_test([np.array([1.0, np.nan, 3.0]), np.array([np.nan, 2.0, np.nan])])
    assert t["blocks"] == 1 and t["p_up"] == pytest.approx(0.5)


def _cells(sign, n_cells=2, seeds=6, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    base = np.array([10.0, 20.0, 30.0]) * sign
    return {
        f"cell {i}": [base + noise * rng.standard_normal(3) for _ in range(seeds)]
        for i in range(n_cells)
    }


def test_decision_holds_refutes_or_stays_undecided():
    gx.decide_trend(Check(), _cells(+1), predicted="up", what="t")  # holds: no raise
    with pytest.raises(Violation) as e:
        gx.decide_trend(Check(), _cells(-1), predicted="up", what="t")
    assert e.value.certificate and "opposite" in e.value.message
    with pytest.raises(Undecided):  # pure noise
        gx.decide_trend(Check(), _cells(0, noise=1.0), predicted="up", what="t")
    with pytest.raises(Undecided):  # all tied (rank never moved)
        gx.decide_trend(Check(), _cells(0), predicted="down", what="t")
    # one cell significantly opposite refutes although the pooled trend is as predicted
    cells = {**_cells(+1, n_cells=3), "against": _cells(-1, n_cells=1)["cell 0"]}
    assert gx.trend_test([b for v in cells.values() for b in v])["p_up"] < 1e-3
    with pytest.raises(Violation):
        gx.decide_trend(Check(), cells, predicted="up", what="t")


# -- the claims' decisions on synthetic experiments ------------------------------------------------


def _grid(rank_of, fail=()):
    """A synthetic Section 3.2 grid whose final rank is ``rank_of(B, λ, η, seed)``."""
    S, E, H = gx.S32["seeds"], gx.S32["epochs"], gx.S32["net"].H
    Bs, wds, lrs = gx.S32["B"], gx.S32["wd"], gx.S32["lr"]
    final = np.zeros((S, len(Bs), len(wds), len(lrs)))
    for s, (b, B), (w, wd), (r, lr) in itertools.product(
        range(S), enumerate(Bs), enumerate(wds), enumerate(lrs)
    ):
        final[s, b, w, r] = rank_of(B, wd, lr, s)
    curve = np.repeat(final[..., None], E + 1, axis=-1)
    curve[..., 0] = H
    acc = np.ones(final.shape)
    for idx in fail:
        acc[idx] = 0.25
    n_mats = len(gx.S32["net"].shapes())
    rank = np.repeat(np.round(curve)[..., None], n_mats, axis=-1).astype(int)
    return {
        "curve": curve,
        "final": final,
        "acc": acc,
        "ok": acc >= gx.TRAINED,
        "rank": rank,
        "margin": 1e6,
        "H": H,
    }


def _verdict(monkeypatch, label, grid=None, s42=None):
    if grid is not None:
        monkeypatch.setattr(gx, "s32_grid", lambda seed: grid)
    if s42 is not None:
        monkeypatch.setattr(gx, "s42_runs", lambda seed: s42)
    c = next(v for v in vars(gx).values() if getattr(v, "label", None) == label)
    return run_claim(c, profile="quick", seed=0)


def test_section_3_2_claims_can_fail(monkeypatch):
    def noise(s):
        return 0.01 * np.sin(7.0 * s)

    # ranks that grow with λ, with η and fall with B: every prediction reversed
    grid = _grid(lambda B, wd, lr, s: 10 + 100 * wd + 50 * lr - B / 10 + noise(s))
    for label in ("Section 3.2 (batch size)", "Section 3.2 (weight decay)"):
        r = _verdict(monkeypatch, label, grid)
        assert r.verdict == "refuted", (label, r.notes)
        assert "permutation" in r.certificate
    assert _verdict(monkeypatch, "Section 3.2 (learning rate)", grid).verdict == "refuted"
    # as predicted
    good = _grid(lambda B, wd, lr, s: 30 - 200 * wd - 50 * lr + B / 10 + noise(s))
    for label in (
        "Section 3.2 (batch size)",
        "Section 3.2 (weight decay)",
        "Section 3.2 (learning rate)",
    ):
        assert _verdict(monkeypatch, label, good).verdict == "holds", label
    # no effect at all: inconclusive, never holds
    flat = _grid(lambda B, wd, lr, s: 20.0)
    assert _verdict(monkeypatch, "Section 3.2 (batch size)", flat).verdict == "inconclusive"


def test_no_weight_decay_claim_can_fail(monkeypatch):
    H = gx.S32["net"].H
    keeps = _grid(lambda B, wd, lr, s: H - 100 * wd)
    assert _verdict(monkeypatch, "Section 3.2 (no weight decay)", keeps).verdict == "holds"
    drops = _grid(lambda B, wd, lr, s: 0.3 * H if wd == 0 and B == 16 else H)
    r = _verdict(monkeypatch, "Section 3.2 (no weight decay)", drops)
    assert r.verdict == "refuted" and "deterministic" in r.certificate
    between = _grid(lambda B, wd, lr, s: 0.7 * H if wd == 0 else H)
    assert _verdict(monkeypatch, "Section 3.2 (no weight decay)", between).verdict == (
        "inconclusive"
    )


def _s42(d_of, vanish=()):
    """Synthetic Section 4.2 runs: ``d_of(j, t)`` for λ index j at epoch t (1-based)."""
    S, E = gx.S42["seeds"], gx.S42["epochs"]
    nw = len(gx.S42["paper_wd"])
    t = np.arange(1, E + 1)
    d = np.stack([np.stack([d_of(j, t) for j in range(nw)]) for _ in range(S)])
    norm = np.ones((S, nw, E + 1))
    fmax = np.ones((S, nw))
    for j in vanish:
        norm[:, j, -1] = 1e-9
        fmax[:, j] = 1e-9
    one = {
        "d": d,
        "acc": np.ones((S, nw, E + 1)),
        "loss": np.zeros((S, nw, E + 1)),
        "norm": norm,
        "rank": np.zeros((S, nw, E + 1)),
        "fmax": fmax,
    }
    return {loss: one for loss in gx.S42["losses"]}


def test_section_4_2_claim_can_fail(monkeypatch):
    label = "Section 4.2"
    as_paper = _s42(lambda j, t: 1e-4 / t if j == 0 else 0.1 + 0 * t, vanish=(3, 4))
    assert _verdict(monkeypatch, label, s42=as_paper).verdict == "holds"
    same = _s42(lambda j, t: 1.0 / t)  # λ > 0 converges like λ = 0
    r = _verdict(monkeypatch, label, s42=same)
    assert r.verdict == "refuted" and "median" in r.notes[0]
    twice = _s42(lambda j, t: (2.0 if j else 1.0) / t)  # neither: 2× and decaying
    assert _verdict(monkeypatch, label, s42=twice).verdict == "inconclusive"
    gone = _s42(lambda j, t: 1.0 / t, vanish=(1, 2, 3, 4))  # every λ > 0 vanishes
    assert _verdict(monkeypatch, label, s42=gone).verdict == "vacuous"


def test_sign_test_is_exact():
    t = gx.sign_test(np.array([1.0, 2.0, -1.0, 0.0, np.nan, 3.0]))
    assert (t["n"], t["pos"], t["neg"]) == (4, 3, 1)
    assert t["p_pos"] == pytest.approx(5 / 16) and t["p_neg"] == pytest.approx(15 / 16)
    assert gx.sign_test(np.ones(12))["p_pos"] == pytest.approx(2.0**-12)


def _appendix(mlp_profile, res_profile):
    S, nl = gx.SA["seeds"], len(gx.SA["lr"])

    def arch(profile, names):
        p = np.broadcast_to(np.asarray(profile, dtype=float), (S, nl, len(profile))).copy()
        p += 0.01 * np.arange(S)[:, None, None]  # distinct runs, same shape
        return {"profile": p, "ok": np.ones((S, nl), bool), "names": names}

    return {
        "mlp": arch(mlp_profile, [f"W{i}" for i in range(2, 2 + len(mlp_profile))]),
        "res": arch(res_profile, [f"R{i}" for i in range(len(res_profile))]),
    }


def _appendix_verdict(monkeypatch, label, runs):
    monkeypatch.setattr(gx, "appendix_a_runs", lambda seed: runs)
    c = next(v for v in vars(gx).values() if getattr(v, "label", None) == label)
    return run_claim(c, profile="quick", seed=0)


def test_appendix_a_claims_can_hold_or_fail(monkeypatch):
    hourglass = [30, 20, 10, 8, 10, 20, 30]
    funnel = [30, 25, 20, 15, 10, 8, 4]
    flat = [20.0] * 8
    zigzag = [30, 5, 30, 5, 30, 5, 30, 5]
    r = _appendix_verdict(monkeypatch, "Appendix A (MLP)", _appendix(hourglass, flat))
    assert r.verdict == "holds"
    r = _appendix_verdict(monkeypatch, "Appendix A (MLP)", _appendix(funnel, flat))
    assert r.verdict == "refuted" and "sign test" in r.certificate
    r = _appendix_verdict(monkeypatch, "Appendix A (ResNet)", _appendix(hourglass, flat))
    assert r.verdict == "holds"
    r = _appendix_verdict(monkeypatch, "Appendix A (ResNet)", _appendix(hourglass, zigzag))
    assert r.verdict == "refuted"
    r = _appendix_verdict(monkeypatch, "Appendix A (ResNet)", _appendix(flat[:7], flat))
    assert r.verdict == "inconclusive"


def test_equal_steps_claim_can_hold(monkeypatch):
    S, nB, nl = gx.S32["seeds"], len(gx.S32["B"]), len(gx.S32["lr"])
    final = np.broadcast_to(np.array([10.0, 20.0, 30.0])[None, :, None], (S, nB, nl)).copy()
    final += 0.01 * np.arange(S)[:, None, None]
    curves = [([0, 1], np.zeros((S, nl, 2))) for _ in range(nB)]
    grid = {"final": final, "acc": np.ones_like(final), "ok": np.ones(final.shape, bool)}
    grid.update(curves=curves, margin=1e6)
    monkeypatch.setattr(gx, "s32_equal_steps", lambda seed: grid)
    c = gx.section_3_2_batch_size_equal_steps
    assert run_claim(c, profile="quick", seed=0).verdict == "holds"
    grid["final"] = final[:, ::-1].copy()
    r = run_claim(c, profile="quick", seed=0)
    assert r.verdict == "refuted" and "permutation" in r.certificate
    grid["ok"][:, :2] = False  # only B = 64 trained: no block has two runs
    assert run_claim(c, profile="quick", seed=0).verdict == "vacuous"


@pytest.mark.parametrize("loss", ["ce", "mse"])
@pytest.mark.parametrize("arch", ["mlp", "mlp_bn", "res_bn"])
def test_hand_written_backward_equals_autograd(arch, loss):
    net = Net(arch=arch, loss=loss, **TINY)
    rng = np.random.default_rng(0)
    R, B = 3, 5
    ws = [torch.tensor(rng.standard_normal((R, *s)) / 2) for _, s in net.shapes()]
    P = net.n_norms()
    gamma = torch.tensor(1 + 0.3 * rng.standard_normal((R, P)))
    beta = torch.tensor(0.2 * rng.standard_normal((R, P)))
    x = torch.tensor(rng.standard_normal((R, B, net.n)))
    y = torch.tensor(rng.integers(0, net.k, (R, B)))
    params = [p.clone().requires_grad_(True) for p in ([*ws, gamma, beta] if P else ws)]
    g_ref, b_ref = (params[-2], params[-1]) if P else (gamma, beta)
    total = losses(net, forward(net, params[: len(ws)], g_ref, b_ref, x), y).sum()
    want = torch.autograd.grad(total, params)
    got = gx_sgd.gradients(net, ws, gamma, beta, x, y)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
