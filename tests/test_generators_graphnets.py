"""Galanti & Poggio's networks: the DAG of Eq. 3-4, batch normalisation as Eq. 5, convolution,
losses and mini-batch gradients, checked against direct computations; spec validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from rankclaims import generators as gen
from rankclaims.generators._graphnets import (
    ACTIVATIONS,
    all_batches,
    loss_derivative,
    magnitude,
    per_sample_loss,
    trainable_edges,
)

FAST = settings(max_examples=25, deadline=None)


def _t(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def test_mlp_matches_direct_forward():
    spec = gen.mlp_spec([3, 4, 2, 1], seed=3)
    net = gen.build_network(spec)
    x = np.random.default_rng(0).normal(size=(5, 3))
    w1, w2, w3 = spec["weights"]
    want = np.maximum(np.maximum(x @ w1.T, 0) @ w2.T, 0) @ w3.T
    np.testing.assert_allclose(net(_t(x)).detach().numpy(), want, rtol=1e-13)


def test_batch_norm_is_eq5_with_detached_variance():
    spec = gen.mlp_spec([3, 4, 1], batch_norm=True, activation="identity", seed=1)
    spec["gamma"][1], spec["beta"][1] = 1.7, -0.3
    x = np.random.default_rng(2).normal(size=(6, 3))
    w1, w2 = (torch.tensor(w, requires_grad=True) for w in spec["weights"])
    coef = torch.arange(1.0, 7.0, dtype=torch.float64)  # a plain sum cancels (Σ(z − b) = 0)

    def direct(detach: bool):
        z = _t(x) @ w1.T
        mean = z.mean(0)
        var = ((z - mean) ** 2).mean(0)  # population variance over the batch, no ε
        var = var.detach() if detach else var
        return ((1.7 * (z - mean) / torch.sqrt(var) - 0.3) @ w2.T)[:, 0] @ coef

    for mode, detach in (("detached", True), ("standard", False)):
        net = gen.build_network({**spec, "bn": mode})
        out = net(_t(x))[:, 0] @ coef
        np.testing.assert_allclose(float(out.detach()), float(direct(detach).detach()), rtol=1e-12)
        (g_net,) = torch.autograd.grad(out, net.weights[0])
        (g_dir,) = torch.autograd.grad(direct(detach), w1)
        np.testing.assert_allclose(g_net.numpy(), g_dir.numpy(), rtol=1e-10, atol=1e-12)
    # the two pseudo-gradients differ: detaching is a real change of the update
    g_det = gen.output_gradient(gen.build_network(spec), _t(x), 0, weights=coef)
    g_std = gen.output_gradient(
        gen.build_network({**spec, "bn": "standard"}), _t(x), 0, weights=coef
    )
    assert np.linalg.norm(g_det - g_std) > 1e-6


def test_batch_statistics_come_from_the_batch_argument():
    spec = gen.mlp_spec([2, 3, 1], batch_norm=True, seed=4)
    net = gen.build_network(spec)
    xb = _t(np.random.default_rng(5).normal(size=(4, 2)))
    together = net(xb)
    alone = torch.cat([net(xb[i : i + 1], xb) for i in range(4)])
    np.testing.assert_allclose(alone.detach().numpy(), together.detach().numpy(), rtol=1e-12)


def test_zero_variance_is_a_clear_error():
    net = gen.build_network(gen.mlp_spec([2, 3, 1], batch_norm=True))
    with pytest.raises(ValueError, match="zero variance"):
        net(_t(np.ones((3, 2))))


def test_conv_edge_is_a_shared_kernel():
    spec = {
        "dims": [4, 6, 1],
        "activation": ["identity", "identity", "identity"],
        "edges": [
            {"head": 1, "tail": 0, "kind": "conv", "channels_in": 1, "kernel": 2},
            {"head": 2, "tail": 1, "kind": "trainable"},
        ],
        "weights": [np.array([[1.0, 2.0], [3.0, -1.0]]), np.ones((1, 6))],
    }
    net = gen.build_network(spec)
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    k = spec["weights"][0]
    # channel c at position t reads (x_t, x_{t+1})
    want = sum(k[c] @ x[0, t : t + 2] for c in range(2) for t in range(3))
    assert float(net(_t(x)).detach()) == pytest.approx(want)


def test_resnet_spec_has_constant_identity_skips():
    spec = gen.resnet_spec(3, 4, 2, outputs=2)
    net = gen.build_network(spec)
    const = [e for e in spec["edges"] if e["kind"] == "constant"]
    assert len(const) == 4
    assert all(
        not w.requires_grad for w, e in zip(net.weights, spec["edges"], strict=False) if e in const
    )
    assert net(_t(np.ones((5, 3)) * np.arange(1, 6)[:, None])).shape == (5, 2)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda s: s["edges"][2].update(head=0, tail=2), "earlier"),
        (lambda s: s["weights"].__setitem__(0, np.ones((2, 2))), "shape"),
        (lambda s: s["weights"][0].__setitem__((0, 0), np.nan), "NaN"),
        (lambda s: s["edges"][0].__setitem__("kind", "bogus"), "edge kind"),
        (lambda s: s.pop("dims"), "dims"),
    ],
)
def test_bad_specs_are_named(change, match):
    spec = gen.mlp_spec([3, 4, 1])
    spec["edges"].append({"head": 2, "tail": 0, "kind": "trainable"})
    spec["weights"].append(np.ones((1, 3)))
    change(spec)
    with pytest.raises(InvalidArgument, match=match):
        gen.build_network(spec)


def test_layer_without_input_is_named():
    spec = gen.mlp_spec([3, 4, 1])
    spec["edges"] = spec["edges"][1:]
    spec["weights"] = spec["weights"][1:]
    with pytest.raises(InvalidArgument, match="layer 1 has no incoming edge"):
        gen.build_network(spec)


def test_input_shape_errors():
    net = gen.build_network(gen.mlp_spec([3, 2, 1]))
    with pytest.raises(ValueError, match=r"expected \(N, 3\)"):
        net(_t(np.ones((2, 4))))


def test_losses_match_their_formulas():
    a = _t([[0.5], [-1.0]])
    y = _t([1.0, -1.0])
    np.testing.assert_allclose(per_sample_loss("exponential", a, y), np.exp([-0.5, -1.0]))
    np.testing.assert_allclose(per_sample_loss("logistic", a, y), np.log1p(np.exp([-0.5, -1.0])))
    np.testing.assert_allclose(per_sample_loss("squared", a, _t([[1.0], [0.0]])), [0.25, 1.0])
    np.testing.assert_allclose(loss_derivative("squared", a, _t([[1.0], [0.0]])), [[-1.0], [-2.0]])
    ce = per_sample_loss("cross_entropy", _t([[1.0, 2.0]]), torch.tensor([1]))
    assert float(ce) == pytest.approx(np.log1p(np.exp(-1.0)))
    with pytest.raises(ValueError, match="scalar output"):
        per_sample_loss("logistic", _t([[1.0, 2.0]]), y[:1])


@FAST
@given(gen.graph_networks(hidden=st.integers(1, 3), input_edges="trainable"), st.data())
def test_batch_gradient_is_the_mean_of_sample_gradients_plus_2_lambda_w(spec, data):
    net = gen.build_network(spec)
    d = data.draw(gen.labelled_inputs(m=4, n=spec["dims"][0], loss="squared"))
    lam = 0.3
    for s in all_batches(4, 2):
        whole = gen.batch_gradients(net, _t(d["X"]), d["Y"], s, loss="squared", lam=lam)
        parts = [
            gen.batch_gradients(net, _t(d["X"]), d["Y"], (i,), loss="squared", lam=lam) for i in s
        ]
        for k, g in enumerate(whole):
            np.testing.assert_allclose(g, np.mean([p[k] for p in parts], axis=0), atol=1e-12)
    assert all(
        spec["edges"][e]["kind"] != "constant"
        for e in trainable_edges(spec)
        if spec["edges"][e]["tail"] == 0
    )


@FAST
@given(
    gen.graph_networks(
        hidden=st.integers(0, 4),
        activation=st.sampled_from(ACTIVATIONS),
        batch_norm=None,
        outputs=st.integers(1, 3),
        init=st.sampled_from(["pytorch", "gaussian", "integer"]),
    )
)
def test_drawn_specs_build_and_run(spec):
    net = gen.build_network(spec)
    x = _t(np.random.default_rng(0).normal(size=(3, spec["dims"][0])))
    try:
        out = net(x)
    except ValueError as err:  # the documented error: a dead unit under batch norm (Eq. 5)
        assert "zero variance over the batch" in str(err)
        assert any(spec["norm"])
        return
    assert out.shape == (3, spec["dims"][-1])
    assert np.isfinite(magnitude(net))


def test_graph_networks_shrink_to_the_smallest_network():
    spec = find(gen.graph_networks(), lambda s: True)
    assert spec["dims"][1:] == [1, 1]
    assert len(spec["edges"]) == 2


@FAST
@given(gen.labelled_inputs(m=st.integers(2, 5), n=st.integers(2, 4), collinear=True))
def test_collinear_inputs_lie_on_a_line(d):
    assert np.linalg.matrix_rank(d["X"], tol=1e-10) == 1
    assert np.all(np.linalg.norm(d["X"], axis=1) > 0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_width": 0}, "max_width"),
        ({"activation": "softplus"}, "activation"),
        ({"batch_norm": "yes"}, "batch_norm"),
        ({"input_edges": "some"}, "input_edges"),
        ({"init": "xavier"}, "init"),
    ],
)
def test_graph_networks_arguments_are_validated(kwargs, match):
    with pytest.raises(InvalidArgument, match=match):
        gen.graph_networks(**kwargs)


def test_labelled_inputs_arguments_are_validated():
    with pytest.raises(InvalidArgument, match="loss"):
        gen.labelled_inputs(loss="hinge")
    with pytest.raises(InvalidArgument, match="collinear"):
        gen.labelled_inputs(collinear="maybe")
