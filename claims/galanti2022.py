"""Galanti & Poggio 2022: SGD noise and the implicit low-rank bias of deep networks.

T. Galanti, T. Poggio, *SGD Noise and Implicit Low-Rank Bias in Deep Neural Networks*, CBMM
Memo 134, 2022 (``shared/papers/002_7c35dbf82364fd57.txt``).

Every statement is a claim below, encoded as printed; gradients come from PyTorch's autograd
on the networks of :mod:`rankclaims.generators._graphnets` (the paper's DAGs of Eq. 3-4,
batch normalisation exactly as Eq. 5), never from hand-derived formulas. The empirical
predictions of Sections 3.2 and 4.2 are in :mod:`rankclaims.claims._galanti_experiments`.

Notation: ``g_i = ∂ℓ(f(x_i), y_i)/∂f(x_i) · ∂f(x_i)/∂W^{pq}`` is sample i's loss gradient,
``∇_{S̃} = (1/B) Σ_{i∈S̃} g_i + 2λW^{pq}`` the mini-batch gradient of Eq. 6, and
``ε = max_{|S̃| = B} ‖∇_{S̃}‖_F`` how far ``W`` is from a convergence point of mini-batch SGD
(``ε = 0`` exactly at one).

Convergence points cannot be certified in floating point (``ε`` is never exactly zero), so
the claims about them are checked in two ways, each stated in its evidence: on convergence
points *constructed* in closed form (rank-one path networks on collinear data, and ``W = 0``),
and in a *stable form* derived here from the paper's own argument (swapping one sample
between two batches), an inequality in ``ε`` that holds at every ``W`` and reduces to the
statement at ``ε = 0``; the stable forms are checked at random weights and at the end of a
numerical search for convergence points (L-BFGS on ``Σ_{S̃} ‖∇_{S̃}‖²``).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from rankclaims import generators as gen
from rankclaims.claims._core import Check, claim, register_paper
from rankclaims.generators._graphnets import (
    ACTIVATIONS,
    all_batches,
    build_network,
    graph_networks,
    labelled_inputs,
    loss_derivative,
    magnitude,
    output_gradient,
    per_sample_loss,
    trainable_edges,
)

PAPER = register_paper(
    "galanti2022",
    "T. Galanti, T. Poggio. SGD Noise and Implicit Low-Rank Bias in Deep Neural Networks. "
    "CBMM Memo 134, 2022.",
)

EPS = float(np.finfo(np.float64).eps)
SQRT_EPS = math.sqrt(EPS)
#: relative error allowed in identities between autograd results (float64): about 1e3·eps
#: per layer of these small networks, far below any real discrepancy
ID_TOL = 1e-11
#: absolute rounding floor of the stable-form inequalities, times the scale of the terms
FLOOR = 1e-11


def _t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def _fro(a) -> float:
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64).ravel()))


def _grad_rank_at_most(c: Check, spec: dict, compute, bound: int, name: str) -> int:
    """``rank(compute(net)) ≤ bound`` for a derivative from autograd; singular values below
    ``√eps·magnitude(net)`` (a bound on the terms summed, see
    :func:`rankclaims.generators._graphnets.magnitude`) count as zero: rounding can leave a
    derivative that is exactly zero with a full rank of 1e-17-sized noise."""
    net = build_network(spec)
    g = np.asarray(compute(net), dtype=np.float64)
    return c.rank_at_most(g, bound, name, atol=SQRT_EPS * magnitude(net))


def _leq(c: Check, lhs: float, rhs: float, floor: float, name: str) -> None:
    """``lhs ≤ rhs`` up to the rounding floor ``floor`` (absolute); a failure's margin is its
    excess in units of the floor (certified at ≥ 100)."""
    c.leq(lhs, rhs, name, atol=floor)


def _inputs(draw: st.DrawFn, n: int, rows: int) -> np.ndarray:
    """Inputs of any kind: Gaussian, small integers (ReLU kinks are likely), with a zero
    row, or over ten orders of magnitude."""
    rng = np.random.default_rng(draw(gen.seeds()))
    kind = draw(st.sampled_from(["gaussian", "integer", "zero row", "scaled"]))
    if kind == "integer":
        return rng.integers(-2, 3, size=(rows, n)).astype(np.float64)
    x = rng.normal(size=(rows, n))
    if kind == "zero row":
        x[0] = 0.0
    if kind == "scaled":
        x *= 10.0 ** draw(st.integers(-5, 5))
    return x


# ---------------------------------------------------------------------------------------
# Lemma 1: the derivative of a scalar output with respect to any weight matrix has rank ≤ 1
# ---------------------------------------------------------------------------------------


@st.composite
def _lemma1_inputs(draw: st.DrawFn, *, outputs=1, conv=False) -> dict:
    spec = draw(
        graph_networks(
            hidden=st.integers(1, 4),
            max_width=5,
            inputs=st.integers(3, 6) if conv else st.integers(1, 5),
            outputs=outputs,
            activation=st.sampled_from(ACTIVATIONS),
            batch_norm=False,
            conv=conv,
            init=st.sampled_from(["pytorch", "gaussian", "integer"]),
        )
    )
    return {"spec": spec, "x": _inputs(draw, spec["dims"][0], 1)[0]}


_LEMMA1_HYP = [
    "f_W a neural network of Eq. 3-4 (a DAG of layers, trainable or constant edges W^{ij}, "
    "an element-wise activation σ, a linear output layer), without normalisation layers",
    "W^{pq} any weight matrix of f_W; x ∈ ℝⁿ any input",
]


@claim(
    PAPER,
    "Lemma 1",
    statement="For a scalar-output network f_W, rank(∂f_W(x)/∂W^{pq}) ≤ 1 for every x.",
    kind="rank",
    hypotheses=[*_LEMMA1_HYP, "scalar output (k = 1)"],
    evidence=(
        "Random DAG networks (1-4 hidden layers of width 1-5, skip connections, constant "
        "edges such as identity residuals, activations ReLU, leaky ReLU, sigmoid, tanh, "
        "identity; PyTorch-default, He-Gaussian and integer weights) and inputs (Gaussian, "
        "integer, zero, scaled by 10^±5). ∂f(x)/∂W^{pq} by autograd for every trainable edge; "
        "its rank decided with a margin. The proof's ReLU argument (D_l locally constant) is "
        "not needed: x enters W^{pq} only through v_q(x), which W^{pq} does not affect in a "
        "DAG, so the derivative is an outer product for any differentiable σ."
    ),
    tolerance=(
        "rank threshold √eps·σ₁ (float64); a rank above 1 decided with margin ≥ 100 is "
        "certified (every counted singular value is nonzero)"
    ),
    given=_lemma1_inputs(),
)
def lemma_1(c: Check, spec: dict, x: np.ndarray) -> None:
    for e in trainable_edges(spec):
        _grad_rank_at_most(
            c,
            spec,
            lambda net, e=e: output_gradient(net, _t(x)[None, :], e),
            1,
            f"rank ∂f/∂W (edge {e})",
        )


@claim(
    PAPER,
    "Lemma 1 (k outputs, footnote 1)",
    statement=(
        "When f_W outputs a k-dimensional vector, each output component of ∂f/∂W^{pq} is a "
        "matrix of rank at most 1."
    ),
    kind="rank",
    hypotheses=[*_LEMMA1_HYP, "k ≥ 2 outputs"],
    depends_on=["Lemma 1"],
    evidence="As Lemma 1, with 2-4 outputs; every component's derivative by autograd.",
    tolerance="as Lemma 1",
    given=_lemma1_inputs(outputs=st.integers(2, 4)),
)
def lemma_1_k_outputs(c: Check, spec: dict, x: np.ndarray) -> None:
    for e in trainable_edges(spec):
        for o in range(spec["dims"][-1]):
            _grad_rank_at_most(
                c,
                spec,
                lambda net, e=e, o=o: output_gradient(net, _t(x)[None, :], e, output=o),
                1,
                f"rank ∂f_{o}/∂W (edge {e})",
            )


def _conv_counterexample() -> dict:
    # x = (1, 2, 3); a kernel of width 2 with two output channels K = I (channel 0 reads
    # x_t, channel 1 reads x_{t+1}); ReLU; output weights (1, 0, 0, 1) on the flattened
    # (channel, position) map: ∂f/∂K = [patch_0; patch_1] = [[1, 2], [2, 3]], rank 2
    return {
        "spec": {
            "dims": [3, 4, 1],
            "activation": ["identity", "relu", "identity"],
            "edges": [
                {"head": 1, "tail": 0, "kind": "conv", "channels_in": 1, "kernel": 2},
                {"head": 2, "tail": 1, "kind": "trainable"},
            ],
            "weights": [np.eye(2), np.array([[1.0, 0.0, 0.0, 1.0]])],
            "norm": [False, False, False],
            "gamma": [1.0, 1.0, 1.0],
            "beta": [0.0, 0.0, 0.0],
            "bn": "detached",
        },
        "x": np.array([1.0, 2.0, 3.0]),
    }


def _conv_positions(spec: dict, e: int) -> int:
    edge = spec["edges"][e]
    return spec["dims"][edge["tail"]] // edge["channels_in"] - edge["kernel"] + 1


@claim(
    PAPER,
    "Lemma 1 (weight-shared layer)",
    statement=(
        "Lemma 1 for the convolutional layers the abstract admits ('the neural networks may "
        "include convolutional layers'): rank(∂f_W(x)/∂K) ≤ 1 for a convolution kernel K "
        "(the trainable matrix of shape c_out × c_in·k)."
    ),
    kind="rank",
    hypotheses=[*_LEMMA1_HYP, "one hidden layer is a 1-D convolution of the input"],
    depends_on=["Lemma 1"],
    expect="refuted",
    counterexamples=[_conv_counterexample()],
    evidence=(
        "Random DAG networks whose first hidden layer is a valid 1-D convolution (kernel 2-3, "
        "2-3 output channels); ∂f/∂K by autograd. The kernel is applied at every position t, "
        "so ∂f/∂K = Σ_t δ_t·patch_tᵀ is a sum of P outer products, not one: the proof's "
        "'W^{pq} appears once on each path' fails for shared weights."
    ),
    tolerance="as Lemma 1; the counterexample's σ₂ = √5 − 2 ≈ 0.24 of σ₁ = √5 + 2",
    given=_lemma1_inputs(conv=True),
)
def lemma_1_weight_shared(c: Check, spec: dict, x: np.ndarray) -> None:
    for e in trainable_edges(spec):
        if spec["edges"][e]["kind"] == "conv":
            _grad_rank_at_most(
                c,
                spec,
                lambda net, e=e: output_gradient(net, _t(x)[None, :], e),
                1,
                f"rank ∂f/∂K (edge {e})",
            )


@claim(
    PAPER,
    "Lemma 1 (weight-shared layer, corrected)",
    statement=(
        "For a convolution kernel K applied at P positions, rank(∂f_W(x)/∂K) ≤ P (and ≤ 1 "
        "for every other weight matrix)."
    ),
    kind="rank",
    hypotheses=[*_LEMMA1_HYP, "one hidden layer is a 1-D convolution applied at P positions"],
    depends_on=["Lemma 1"],
    evidence="As 'Lemma 1 (weight-shared layer)': the sum of P outer products Σ_t δ_t·patch_tᵀ.",
    tolerance="as Lemma 1",
    given=_lemma1_inputs(conv=True),
)
def lemma_1_weight_shared_corrected(c: Check, spec: dict, x: np.ndarray) -> None:
    for e in trainable_edges(spec):
        conv = spec["edges"][e]["kind"] == "conv"
        bound = _conv_positions(spec, e) if conv else 1
        r = _grad_rank_at_most(
            c,
            spec,
            lambda net, e=e: output_gradient(net, _t(x)[None, :], e),
            bound,
            f"rank ∂f/∂W (edge {e}, bound {bound})",
        )
        if conv:
            c.tightness("rank ∂f/∂K / P", r / bound)


# ---------------------------------------------------------------------------------------
# Lemma 2: with batch normalisation, Σ_j β_j ∂f(x_j; X̃)/∂W^{pq} has rank ≤ B
# ---------------------------------------------------------------------------------------


@st.composite
def _lemma2_inputs(draw: st.DrawFn, *, bn: str) -> dict:
    # batch norm on every hidden layer, or (half the examples) drawn per layer, n_i the
    # identity or Eq. 5 as Eq. 3 allows, at least one normalised: an edge into an
    # unnormalised hidden layer reaches rank B (into a normalised one B − 1)
    per_layer = draw(st.booleans())
    spec = draw(
        graph_networks(
            hidden=st.integers(1, 3),
            max_width=6,
            inputs=st.integers(2, 6),
            activation=st.sampled_from(["relu", "leaky_relu", "sigmoid", "tanh"]),
            batch_norm=None if per_layer else True,
            bn=bn,
        )
    )
    if per_layer and not any(spec["norm"]):
        spec["norm"][draw(st.integers(1, len(spec["dims"]) - 2))] = True
    b = draw(st.integers(2, 4))
    rng = np.random.default_rng(draw(gen.seeds()))
    for i in range(len(spec["dims"])):  # trainable γ, β away from their initial values
        spec["gamma"][i] = float(rng.uniform(0.5, 2.0))
        spec["beta"][i] = float(rng.normal())
    xb = _inputs(draw, spec["dims"][0], b)
    beta = draw(
        st.sampled_from(["ones", "gaussian", "one-hot"]).map(
            lambda k: (
                np.ones(b)
                if k == "ones"
                else (rng.normal(size=b) if k == "gaussian" else np.eye(b)[0])
            )
        )
    )
    return {"spec": spec, "X_batch": xb, "beta": beta}


def _lemma2_check(c: Check, spec: dict, X_batch: np.ndarray, beta: np.ndarray) -> None:
    net = build_network(spec)
    xb = _t(X_batch)
    b = xb.shape[0]
    try:
        net(xb)
    except ValueError as err:  # a unit with zero variance over the batch: Eq. 5 undefined
        c.premise(False, f"Eq. 5 is defined on the batch ({err})", nonvacuity=True)
    edges = trainable_edges(spec)
    informative = [e for e in edges if min(net.weights[e].shape) > b]
    c.premise(
        bool(informative),
        "some W^{pq} has both sides larger than B (else rank ≤ B is void)",
        nonvacuity=True,
    )
    for e in edges:
        for j in range(b):  # each f(x_j; X̃) alone (the proof's first sentence)
            _grad_rank_at_most(
                c,
                spec,
                lambda net, e=e, j=j: output_gradient(net, xb[j : j + 1], e, batch=xb),
                b,
                f"rank ∂f(x_j; X̃)/∂W (edge {e})",
            )
        r = _grad_rank_at_most(
            c,
            spec,
            lambda net, e=e: output_gradient(net, xb, e, weights=beta),
            b,
            f"rank Σ β_j ∂f(x_j; X̃)/∂W (edge {e})",
        )
        if e in informative:
            c.tightness("rank Σ β_j ∂f/∂W / B", r / b)


_LEMMA2_HYP = [
    "f̃_W a network of Eq. 3-5 with batch normalisation layers (scalar γ_l, β_l)",
    "X̃ = {x_j}_{j=1}^B any batch; β_1, …, β_B ∈ ℝ any reals",
    "the pseudo-gradient ∂̄: the variance factor A_l(X̃) detached, the mean b_l(X̃) not",
]


#: why "rank ≤ B − 1" survives on Lemma 2's networks
_LEMMA2_MUTANT_NOTE = {
    "bound-1 rank ∂f(x_j; X̃)/∂W": (
        "Not reached, not true: an edge into a normalised layer has rank ≤ B − 1 (the batch "
        "mean is subtracted; 'Lemma 2 (into a normalised layer)' states it) and an edge into "
        "the scalar output rank 1, so only an edge into an unnormalised hidden layer, wider "
        "than B on both sides, can attain B. Half the networks draw batch norm per layer and "
        "have such edges; Lemma 2 (detached) kills this mutant with them, the true-gradient "
        "variant meets one on some seeds (seed 1), not on seeds 0 and 2."
    )
}


@claim(
    PAPER,
    "Lemma 2",
    statement=(
        "For any batch X̃ = {x_j}_{j=1}^B and β_1, …, β_B ∈ ℝ, "
        "rank(Σ_j β_j ∂̄f̃_W(x_j; X̃)/∂W^{pq}) ≤ B."
    ),
    kind="rank",
    hypotheses=_LEMMA2_HYP,
    evidence=(
        "Random DAG networks with batch normalisation on every hidden layer, or (half the "
        "examples) on a subset drawn per layer, n_i the identity elsewhere (Eq. 5 exactly: "
        "population variance over the batch, no ε, A_l detached), random γ_l, β_l, batches "
        "of B = 2-4 inputs, β all ones, Gaussian or one-hot. Each ∂̄f(x_j; X̃)/∂W^{pq} and the "
        "combination by autograd. Examples where no W^{pq} has both sides larger than B "
        "(where rank ≤ B holds trivially) do not meet the premise; a batch with a "
        "zero-variance unit (Eq. 5 undefined) neither."
    ),
    tolerance="rank threshold √eps·σ₁; a rank above B decided with margin ≥ 100 is certified",
    given=_lemma2_inputs(bn="detached"),
)
def lemma_2(c: Check, spec: dict, X_batch: np.ndarray, beta: np.ndarray) -> None:
    _lemma2_check(c, spec, X_batch, beta)


@claim(
    PAPER,
    "Lemma 2 (variance not detached)",
    statement=(
        "Lemma 2 with the true gradient: A_l(X̃) differentiated through like the mean (as "
        "PyTorch's batch norm does), rank(Σ_j β_j ∂f̃_W(x_j; X̃)/∂W^{pq}) ≤ B."
    ),
    kind="rank",
    hypotheses=[*_LEMMA2_HYP[:2], "the true gradient (nothing detached)"],
    depends_on=["Lemma 2"],
    evidence=(
        "As Lemma 2 with bn='standard'. Why it holds: W^{pq} enters f(x_j; X̃) only through "
        "the pre-activations z_p(x_i) = W^{pq}v_q(x_i) + … of the B batch inputs, and v_q "
        "does not depend on W^{pq}, so every derivative is Σ_i u_{ij} v_q(x_i)ᵀ: rank ≤ B "
        "whether or not A_l is detached. The detachment is a convenience of the proof, not "
        "a hypothesis Lemma 2 needs."
    ),
    tolerance="as Lemma 2",
    given=_lemma2_inputs(bn="standard"),
    mutant_notes=_LEMMA2_MUTANT_NOTE,
)
def lemma_2_not_detached(c: Check, spec: dict, X_batch: np.ndarray, beta: np.ndarray) -> None:
    _lemma2_check(c, spec, X_batch, beta)


@claim(
    PAPER,
    "Lemma 2 (into a normalised layer)",
    statement=(
        "Sharpened here: for W^{pq} feeding a batch-normalised layer p, "
        "rank(Σ_j β_j ∂̄f̃_W(x_j; X̃)/∂W^{pq}) ≤ B − 1."
    ),
    kind="rank",
    hypotheses=[*_LEMMA2_HYP, "layer p (the head of W^{pq}) is batch-normalised"],
    depends_on=["Lemma 2"],
    evidence=(
        "As Lemma 2, edges into normalised layers only. Why: f depends on z_p only through "
        "the centred z_p(x_i) − b_p(X̃), so the derivatives δ_i = ∂f/∂z_p(x_i) sum to zero and "
        "Σ_i δ_i v_q(x_i)ᵀ = Σ_i δ_i (v_q(x_i) − v̄_q)ᵀ: B centred vectors span at most B − 1 "
        "dimensions. Lemma 2's bound B is attained only by edges into unnormalised layers "
        "(the output layer, residual sums)."
    ),
    tolerance="as Lemma 2",
    given=_lemma2_inputs(bn="detached"),
)
def lemma_2_normalised(c: Check, spec: dict, X_batch: np.ndarray, beta: np.ndarray) -> None:
    net = build_network(spec)
    xb = _t(X_batch)
    b = xb.shape[0]
    try:
        net(xb)
    except ValueError as err:
        c.premise(False, f"Eq. 5 is defined on the batch ({err})", nonvacuity=True)
    edges = [e for e in trainable_edges(spec) if spec["norm"][spec["edges"][e]["head"]]]
    informative = [e for e in edges if min(net.weights[e].shape) >= b]
    c.premise(
        bool(informative), "some W^{pq} into a normalised layer has both sides ≥ B", nonvacuity=True
    )
    for e in edges:
        r = _grad_rank_at_most(
            c,
            spec,
            lambda net, e=e: output_gradient(net, xb, e, weights=beta),
            b - 1,
            f"rank Σ β_j ∂f(x_j; X̃)/∂W (edge {e} into a normalised layer)",
        )
        if e in informative:
            c.tightness("rank / (B − 1)", r / (b - 1))


# ---------------------------------------------------------------------------------------
# per-sample gradients and mini-batch gradients (normalisation-free networks)
# ---------------------------------------------------------------------------------------


def _sample_grads(net, x: torch.Tensor, y, loss: str, *, create_graph: bool = False):
    """[g_i per trainable edge] for every sample: lists over edges of (m, *shape) tensors,
    plus outputs f(x_i) and ℓ'_i (k = 1)."""
    params = [w for w in net.weights if w.requires_grad]
    grads, outs, lprime = [[] for _ in params], [], []
    y = torch.as_tensor(np.asarray(y))
    for i in range(x.shape[0]):
        out = net(x[i : i + 1])
        a = out.detach().clone().requires_grad_(True)
        per_sample_loss(loss, a, y[i : i + 1]).sum().backward()
        lprime.append(float(a.grad[0, 0]))
        outs.append(float(out.detach()[0, 0]))
        li = per_sample_loss(loss, out, y[i : i + 1]).sum()
        gs = torch.autograd.grad(li, params, create_graph=create_graph, allow_unused=True)
        for k, (g, w) in enumerate(zip(gs, params, strict=True)):
            grads[k].append(torch.zeros_like(w) if g is None else g)
    return [torch.stack(g) for g in grads], np.array(outs), np.array(lprime)


def _epsilon(g, params, lam: float, b: int) -> tuple[float, list[float]]:
    """ε = max over batches of size b and edges of ‖∇_{S̃}‖_F; also per edge."""
    m = g[0].shape[0]
    per_edge = []
    for gp, w in zip(g, params, strict=True):
        worst = 0.0
        for s in all_batches(m, b):
            d = gp[list(s)].mean(0) + 2.0 * lam * w.detach()
            worst = max(worst, float(torch.linalg.vector_norm(d)))
        per_edge.append(worst)
    return max(per_edge), per_edge


def _search(net, x, y, *, loss: str, lam: float, b: int, iters: int) -> None:
    """Move the trainable weights towards a convergence point of mini-batch SGD: L-BFGS on
    Σ_{|S̃|=b} Σ_{pq} ‖∇_{S̃}‖²_F (double backpropagation through autograd)."""
    params = [w for w in net.weights if w.requires_grad]
    m = x.shape[0]
    batches = [list(s) for s in all_batches(m, b)]
    opt = torch.optim.LBFGS(
        params,
        lr=1.0,
        max_iter=iters,
        tolerance_grad=0.0,
        tolerance_change=0.0,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def closure():
        opt.zero_grad()
        g, _, _ = _sample_grads(net, x, y, loss, create_graph=True)
        total = sum(
            ((gp[s].mean(0) + 2.0 * lam * w) ** 2).sum()
            for gp, w in zip(g, params, strict=True)
            for s in batches
        )
        total.backward()
        return total

    opt.step(closure)


@st.composite
def _sgd_problems(
    draw: st.DrawFn,
    *,
    lam: str,
    collinear: bool | None,
    search: bool,
    activation=None,
    input_edges: str = "trainable",
) -> dict:
    spec = draw(
        graph_networks(
            hidden=st.integers(1, 3),
            max_width=4,
            inputs=st.integers(2, 4),
            activation=activation or st.sampled_from(["relu", "leaky_relu", "identity"]),
            batch_norm=False,
            input_edges=input_edges,
        )
    )
    loss = draw(st.sampled_from(["squared", "logistic", "exponential"]))
    m = draw(st.integers(3, 5))
    data = draw(labelled_inputs(m=m, n=spec["dims"][0], loss=loss, collinear=collinear))
    b = draw(st.integers(1, m - 1))
    lam_v = 0.0 if lam == "zero" else 10.0 ** draw(st.integers(-3, 0))
    return {
        "spec": spec,
        "X": data["X"],
        "Y": data["Y"],
        "loss": loss,
        "lam": lam_v,
        "B": b,
        "search_iters": draw(st.sampled_from([0, 40, 120])) if search else 0,
    }


# ---------------------------------------------------------------------------------------
# Eq. 7-9 at convergence points; Section 3.1's batch-size equivalence
# ---------------------------------------------------------------------------------------


@st.composite
def _convergence_points(draw: st.DrawFn) -> dict:
    """Convergence points of mini-batch SGD with weight decay, in closed form.

    ``kind="path"``: an MLP with rank-one weights W_l = s·u_l u_{l−1}ᵀ along unit vectors u_l
    (nonnegative on hidden layers, so every ReLU on the path is active), collinear data
    x_i = c_i x₀ (c_i > 0, u₀ = x₀/‖x₀‖), the squared loss ℓ = (a − y)² and labels
    y_i = c_i s^L ‖x₀‖ + λ/(c_i s^{L−2} ‖x₀‖): then g_i = −2λW_l for every i and l, so every
    mini-batch gradient vanishes. ``kind="zero"``: W = 0 in an MLP of depth ≥ 2 (any data,
    any loss): every gradient has a zero factor.
    """
    rng = np.random.default_rng(draw(gen.seeds()))
    depth = draw(st.integers(2, 4))
    widths = [draw(st.integers(1, 4)) for _ in range(depth)] + [1]
    m = draw(st.integers(2, 5))
    lam = 10.0 ** draw(st.integers(-3, 0))
    b = draw(st.integers(1, m - 1))
    kind = draw(st.sampled_from(["path", "path", "zero"]))
    spec = gen.mlp_spec(widths, seed=0)
    if kind == "zero":
        spec["weights"] = [np.zeros_like(w) for w in spec["weights"]]
        loss = draw(st.sampled_from(["squared", "logistic", "exponential"]))
        data = draw(labelled_inputs(m=m, n=widths[0], loss=loss, collinear=None))
        x, y = data["X"], data["Y"]
    else:
        loss = "squared"
        x0 = rng.normal(size=widths[0])
        us = [x0 / np.linalg.norm(x0)]
        for d in widths[1:-1]:
            u = np.abs(rng.normal(size=d))
            us.append(u / np.linalg.norm(u))
        us.append(np.ones(1))
        s = float(rng.uniform(0.5, 1.5))
        spec["weights"] = [s * np.outer(us[i + 1], us[i]) for i in range(depth)]
        c_i = rng.uniform(0.5, 2.0, size=m)
        nx = float(np.linalg.norm(x0))
        x = c_i[:, None] * x0[None, :]
        y = c_i * s**depth * nx + lam / (c_i * s ** (depth - 2) * nx)
    return {"spec": spec, "X": x, "Y": y, "loss": loss, "lam": lam, "B": b, "kind": kind}


@claim(
    PAPER,
    "Eq. 7-9",
    statement=(
        "At a convergence point of mini-batch SGD (∇_{W^{pq}} L^λ_{S̃} = 0 for every trainable "
        "W^{pq} and every batch S̃ of size B < m): (7) two batches differing in one sample "
        "have equal loss terms; (8) M^{pq} = ℓ'_i ∂f(x_i)/∂W^{pq} is the same for every i; "
        "(9) M^{pq} + 2λW^{pq} = 0. Hence, unless λ = 0 or every W^{pq} = 0, ℓ'_i ≠ 0 for "
        "every i and the vectors ∂f(x_i)/∂vec(W^{pq}) are collinear (and W^{pq} = −M/(2λ) "
        "has rank ≤ 1)."
    ),
    kind="identity",
    hypotheses=[
        "f_W a normalisation-free scalar network; ℓ differentiable; x_i ≠ 0",
        "W a convergence point of mini-batch SGD with batches of size B < m",
    ],
    depends_on=["Lemma 1"],
    evidence=(
        "Constructed convergence points (see the generator's docstring): rank-one path MLPs "
        "of depth 2-4 on collinear data with the squared loss, and W = 0 with any data and "
        "loss. The premise (ε ≤ 1e-11·‖2λW‖ + 1e-300, i.e. a convergence point up to "
        "rounding) is verified with autograd, then Eq. 7, 8, 9 are checked as identities "
        "between autograd results, and the conclusions (ℓ'_i ≠ 0, collinear ∂f(x_i)/∂vec W, "
        "rank W ≤ 1) where W ≠ 0. Nonzero convergence points exist only on collinear data "
        "(Proposition 1), so that is where they are built."
    ),
    tolerance=f"identities to {ID_TOL:g} relative to the terms' norm (float64 autograd)",
    given=_convergence_points(),
)
def eq_7_9(c: Check, spec, X, Y, loss, lam, B, kind) -> None:
    net = build_network(spec)
    params = [w for w in net.weights if w.requires_grad]
    g, _, lprime = _sample_grads(net, _t(X), Y, loss)
    eps, _ = _epsilon(g, params, lam, B)
    scale = max(2 * lam * _fro(torch.cat([w.detach().flatten() for w in params])), 1e-300)
    c.premise(eps <= ID_TOL * scale, "W is a convergence point (every batch gradient zero)")
    m = len(lprime)
    nonzero = any(_fro(w.detach()) > 0 for w in params)
    for k, (gp, w) in enumerate(zip(g, params, strict=True)):
        gp = gp.detach().numpy()
        wn = w.detach().numpy()
        s = max(_fro(gp[0]), 2 * lam * _fro(wn), 1e-300)
        for i in range(m):
            for j in range(i + 1, m):  # Eq. 7: the batches {i} ∪ T and {j} ∪ T
                rest = [t for t in range(m) if t not in (i, j)][: B - 1]
                d7 = (gp[[i, *rest]].mean(0) - gp[[j, *rest]].mean(0)) * B
                c.close(d7, gp[i] - gp[j], "Eq. 7", tol=ID_TOL, scale=s)
            c.close(gp[i], gp[0], "Eq. 8: g_i = M", tol=ID_TOL, scale=s)
            c.close(
                gp[i] + 2 * lam * wn, np.zeros_like(wn), "Eq. 9: M + 2λW = 0", tol=ID_TOL, scale=s
            )
        if lam > 0 and nonzero:
            c.rank_at_most(wn, 1, f"rank W (edge {k})")
    if lam > 0 and nonzero:
        c.holds(bool(np.all(lprime != 0)), "ℓ'(f(x_i), y_i) ≠ 0 for every i", certain=True)
        for e in trainable_edges(spec):
            rows = np.stack([output_gradient(net, _t(X)[i : i + 1], e).ravel() for i in range(m)])
            c.rank_at_most(rows, 1, "rank [∂f(x_i)/∂vec W]_i (collinear)")
    c.fact("convergence points (kind)", kind)


@claim(
    PAPER,
    "Eq. 8-9 (stable form)",
    statement=(
        "Derived here from the paper's argument, at every W (not only at convergence): with "
        "ε = max_{|S̃| = B} ‖∇_{W^{pq}} L^λ_{S̃}‖_F, ‖g_i − g_j‖_F ≤ 2Bε and "
        "‖g_i + 2λW^{pq}‖_F ≤ (2B − 1)ε for all samples i, j; at ε = 0 these are Eq. 8 and 9."
    ),
    kind="inequality",
    hypotheses=[
        "f_W a normalisation-free scalar network; ℓ differentiable; 1 ≤ B < m",
    ],
    depends_on=["Eq. 7-9"],
    evidence=(
        "Random DAG networks (ReLU, leaky ReLU, identity; skips; constant edges), data "
        "(collinear or not), squared / logistic / exponential loss, λ ∈ {0, 1e-3, …, 1}, "
        "B < m ≤ 5; weights at their random initialisation or after 40-120 L-BFGS iterations "
        "towards a convergence point (where the bounds are tight). Proof: two batches "
        "differing in sample i ↔ j give g_i − g_j = B(∇_{S̃₁} − ∇_{S̃₂}); a batch containing i "
        "gives g_i + 2λW = ∇_{S̃} − (1/B)Σ_{j∈S̃}(g_j − g_i)."
    ),
    tolerance=f"slack {FLOOR:g}·(‖g‖ + 2λ‖W‖) for rounding",
    given=_sgd_problems(lam="any", collinear=None, search=True, input_edges="any"),
    examples={"quick": 12, "default": 100, "thorough": 600},
)
def eq_8_9_stable(c: Check, spec, X, Y, loss, lam, B, search_iters) -> None:
    net = build_network(spec)
    x = _t(X)
    if search_iters:
        _search(net, x, Y, loss=loss, lam=lam, b=B, iters=search_iters)
    params = [w for w in net.weights if w.requires_grad]
    g, _, _ = _sample_grads(net, x, Y, loss)
    eps, _ = _epsilon(g, params, lam, B)
    m = g[0].shape[0]
    for gp, w in zip(g, params, strict=True):
        gp = gp.detach().numpy()
        wn = w.detach().numpy()
        floor = FLOOR * (max(_fro(gi) for gi in gp) + 2 * lam * _fro(wn))
        for i in range(m):
            _leq(c, _fro(gp[i] + 2 * lam * wn), (2 * B - 1) * eps, floor, "‖g_i + 2λW‖ ≤ (2B−1)ε")
            for j in range(i + 1, m):
                _leq(c, _fro(gp[i] - gp[j]), 2 * B * eps, floor, "‖g_i − g_j‖ ≤ 2Bε")
    _tally_search(c, search_iters, eps, None)


@claim(
    PAPER,
    "Section 3.1 (batch size)",
    statement=(
        "'The convergence points of mini-batch SGD are equivalent to the convergence points "
        "of SGD with batch size 1' (for any batch size B < m). Checked in the stable form "
        "ε₁/(2B − 1) ≤ ε_B ≤ ε₁, where ε_B = max_{|S̃| = B} ‖∇_{W^{pq}} L^λ_{S̃}‖_F."
    ),
    kind="inequality",
    hypotheses=["f_W a normalisation-free scalar network; ℓ differentiable; 1 ≤ B < m"],
    depends_on=["Eq. 7-9"],
    evidence=(
        "As 'Eq. 8-9 (stable form)': ε_B ≤ ε₁ because a batch gradient is the mean of its "
        "samples' single-sample gradients; ε₁ ≤ (2B − 1)ε_B by the swapping argument. Both "
        "are zero together."
    ),
    tolerance=f"slack {FLOOR:g}·(‖g‖ + 2λ‖W‖) for rounding",
    given=_sgd_problems(lam="any", collinear=None, search=True, input_edges="any"),
    examples={"quick": 12, "default": 100, "thorough": 600},
)
def section_3_1_batch_size(c: Check, spec, X, Y, loss, lam, B, search_iters) -> None:
    net = build_network(spec)
    x = _t(X)
    if search_iters:
        _search(net, x, Y, loss=loss, lam=lam, b=B, iters=search_iters)
    params = [w for w in net.weights if w.requires_grad]
    g, _, _ = _sample_grads(net, x, Y, loss)
    eps_b, _ = _epsilon(g, params, lam, B)
    eps_1, _ = _epsilon(g, params, lam, 1)
    floor = FLOOR * max(eps_1, 1e-300) + FLOOR * sum(
        2 * lam * _fro(w.detach()) + float(torch.linalg.vector_norm(gp))
        for gp, w in zip(g, params, strict=False)
    )
    _leq(c, eps_b, eps_1, floor, "ε_B ≤ ε₁")
    _leq(c, eps_1, (2 * B - 1) * eps_b, floor, "ε₁ ≤ (2B − 1)ε_B")


# ---------------------------------------------------------------------------------------
# Propositions 1 and 2
# ---------------------------------------------------------------------------------------


def _tally_search(c: Check, iters: int, eps: float, outs, what: str = "|f(x_i)|") -> None:
    """Count where the example's weights ended: how close to a convergence point, and
    (for the propositions) whether f vanished on the data there."""
    where = "random weights" if not iters else f"after {iters} L-BFGS iterations"
    if eps < 1e-8:
        state = "ε < 1e-8 (numerically converged)"
        if outs is not None:
            small = float(np.max(np.abs(outs))) < 1e-6
            state += f", max{what} " + ("< 1e-6" if small else "≥ 1e-6")
    else:
        state = "ε ≥ 1e-8" if eps < 1e-3 else "ε ≥ 1e-3"
    c.tally("where the weights were", f"{where}: {state}")


def _input_edges(spec: dict) -> list[int]:
    """Positions (in the trainable list) of the edges out of the input layer."""
    tr = trainable_edges(spec)
    return [k for k, e in enumerate(tr) if spec["edges"][e]["tail"] == 0]


def _noncollinear(c: Check, X: np.ndarray) -> float:
    """Premise: the inputs are not collinear (rank X ≥ 2, decided with a margin); returns
    λ_min(Σ_i (I − x_i x_iᵀ/‖x_i‖²)) > 0."""
    r = c.rank(X, "rank X")
    c.premise(r >= 2, "{x_i} not collinear (rank X ≥ 2)")
    n = X.shape[1]
    q = sum(np.eye(n) - np.outer(xi, xi) / float(xi @ xi) for xi in X)
    return float(np.linalg.eigvalsh(q)[0])


_PROP_HYP = [
    "ℓ(a, b) differentiable; f_W a ReLU network (Eq. 3-4, no normalisation) with every edge "
    "out of the input trainable: {(v_p, v_1)} ⊂ E_T",
    "x_i ≠ 0 for all i (Section 3.1)",
    "W a convergence point of mini-batch SGD (batches of size B < m)",
]


@claim(
    PAPER,
    "Proposition 1",
    statement=(
        "λ > 0: at a convergence point of mini-batch SGD for L^λ_S, either f_W ≡ 0 or "
        "{x_i}_{i=1}^m are collinear. Checked in the stable form (derived here): for "
        "non-collinear data, every input-layer matrix satisfies ‖W^{p1}‖_F ≤ "
        "√(m/λ_min(Q))·(2B − 1)ε/(2λ), Q = Σ_i (I − x_i x_iᵀ/‖x_i‖²), so ε = 0 forces "
        "W^{p1} = 0 for every p, hence f_W ≡ 0."
    ),
    kind="inequality",
    hypotheses=[*_PROP_HYP, "λ > 0"],
    depends_on=["Eq. 7-9", "Eq. 8-9 (stable form)"],
    evidence=(
        "Random ReLU DAG networks (input edges trainable, skips, constant edges), "
        "non-collinear data (premise: rank X ≥ 2, decided), squared / logistic / exponential "
        "loss, λ ∈ {1e-3, …, 1}, B < m ≤ 5; the bound is checked after 0, 40 or 120 L-BFGS "
        "iterations searching for a convergence point (minimising Σ_{S̃} ‖∇_{S̃}‖²). Why: "
        "g_i = ℓ'_i E_{p,i} x_iᵀ vanishes on x_i^⊥, so ‖W^{p1}(I − P_i)‖_F = "
        "‖(g_i + 2λW^{p1})(I − P_i)‖_F/(2λ) ≤ (2B − 1)ε/(2λ) for every i; summing, "
        "λ_min(Q)‖W^{p1}‖²_F ≤ Σ_i ‖W^{p1}(I − P_i)‖²_F. The report's facts give how close "
        "the searches came to convergence and |f| there."
    ),
    tolerance=f"slack {FLOOR:g}·(‖g‖ + 2λ‖W‖) for rounding",
    given=_sgd_problems(lam="positive", collinear=False, search=True),
    examples={"quick": 12, "default": 100, "thorough": 600},
)
def proposition_1(c: Check, spec, X, Y, loss, lam, B, search_iters) -> None:
    lmin = _noncollinear(c, X)
    net = build_network(spec)
    x = _t(X)
    if search_iters:
        _search(net, x, Y, loss=loss, lam=lam, b=B, iters=search_iters)
    params = [w for w in net.weights if w.requires_grad]
    g, outs, _ = _sample_grads(net, x, Y, loss)
    eps, _ = _epsilon(g, params, lam, B)
    m = len(outs)
    for k in _input_edges(spec):
        wn = params[k].detach().numpy()
        floor = FLOOR * (float(torch.linalg.vector_norm(g[k])) + 2 * lam * _fro(wn)) / (2 * lam)
        bound = math.sqrt(m / lmin) * (2 * B - 1) * eps / (2 * lam)
        _leq(c, _fro(wn), bound, floor, "‖W^{p1}‖_F ≤ √(m/λ_min(Q))(2B−1)ε/(2λ)")
    _tally_search(c, search_iters, eps, outs)


@claim(
    PAPER,
    "Proposition 2",
    statement=(
        "λ = 0, {x_i} not collinear: at a convergence point, f_W(x_i) = 0 for every i with "
        "∂ℓ(f_W(x_i), y_i)/∂f_W(x_i) ≠ 0 (so every f_W(x_i) = 0 for a convex ℓ(·, b) without "
        "a minimiser, e.g. the logistic and exponential losses). Checked in the stable form "
        "(derived here): |ℓ'_i·f_W(x_i)| ≤ (2B − 1)ε·Σ_p ‖W^{p1}‖₂."
    ),
    kind="inequality",
    hypotheses=[*_PROP_HYP, "λ = 0", "{x_i} not collinear"],
    depends_on=["Eq. 7-9", "Eq. 8-9 (stable form)"],
    evidence=(
        "As Proposition 1 with λ = 0. Why: f(x) = Σ_p E_p(x)W^{p1}x for a bias-free ReLU "
        "network (Euler), ∂f(x_i)/∂W^{p1} = E_{p,i}ᵀx_iᵀ, and at λ = 0 ‖g_i‖_F ≤ (2B − 1)ε, so "
        "|ℓ'_i f(x_i)| ≤ Σ_p ‖g_i^{p}‖_F‖W^{p1}‖₂."
    ),
    tolerance=f"slack {FLOOR:g}·Σ‖g_i‖‖W‖ for rounding",
    given=_sgd_problems(lam="zero", collinear=False, search=True),
    examples={"quick": 12, "default": 100, "thorough": 600},
)
def proposition_2(c: Check, spec, X, Y, loss, lam, B, search_iters) -> None:
    _noncollinear(c, X)
    _proposition_2_check(c, spec, X, Y, loss, B, search_iters)


def _proposition_2_check(c: Check, spec, X, Y, loss, B, search_iters) -> None:
    net = build_network(spec)
    x = _t(X)
    if search_iters:
        _search(net, x, Y, loss=loss, lam=0.0, b=B, iters=search_iters)
    params = [w for w in net.weights if w.requires_grad]
    g, outs, lprime = _sample_grads(net, x, Y, loss)
    eps, _ = _epsilon(g, params, 0.0, B)
    ins = _input_edges(spec)
    wsum = sum(float(np.linalg.norm(params[k].detach().numpy(), 2)) for k in ins)
    gmax = max(float(torch.linalg.vector_norm(g[k][i])) for k in ins for i in range(len(outs)))
    floor = FLOOR * gmax * wsum * max(1, len(ins))
    for i in range(len(outs)):
        _leq(c, abs(lprime[i] * outs[i]), (2 * B - 1) * eps * wsum, floor, "|ℓ'_i f(x_i)| bound")
    _tally_search(c, search_iters, eps, lprime * outs, "|ℓ'_i f(x_i)|")


@claim(
    PAPER,
    "Proposition 2 (collinear data)",
    statement=(
        "Proposition 2 without 'Assume that {x_i} are not collinear': at λ = 0 Eq. 8-9 give "
        "M^{pq} = 0, so g_i = 0 for every i directly, and f_W(x_i) = 0 wherever ℓ'_i ≠ 0, "
        "for any data. Stable form as Proposition 2's."
    ),
    kind="inequality",
    hypotheses=[*_PROP_HYP, "λ = 0", "any data (collinear allowed)"],
    depends_on=["Proposition 2"],
    evidence=(
        "As Proposition 2, on collinear data. The paper's proof detours through collinearity "
        "(its case (ii)); at λ = 0 the batch gradient is the mean of the g_i, which Eq. 8 "
        "makes equal, so each g_i is zero and the hypothesis is redundant."
    ),
    tolerance=f"slack {FLOOR:g}·Σ‖g_i‖‖W‖ for rounding",
    given=_sgd_problems(lam="zero", collinear=True, search=True),
    examples={"quick": 12, "default": 100, "thorough": 600},
)
def proposition_2_collinear(c: Check, spec, X, Y, loss, lam, B, search_iters) -> None:
    _proposition_2_check(c, spec, X, Y, loss, B, search_iters)


# ---------------------------------------------------------------------------------------
# Theorem 1
# ---------------------------------------------------------------------------------------

#: unitarily invariant norms: min over rank ≤ k of ‖W − V‖ is the norm of the tail of the
#: singular values (Mirsky's theorem), so the left-hand side is computable
_UI_NORMS = {
    "Frobenius": lambda s: float(np.sqrt(np.sum(s**2))),
    "spectral": lambda s: float(s.max(initial=0.0)),
    "nuclear": lambda s: float(np.sum(s)),
    "Schatten-3": lambda s: float(np.sum(s**3) ** (1 / 3)),
    "Ky Fan 2": lambda s: float(np.sum(np.sort(s)[::-1][:2])),
}


@st.composite
def _theorem1_inputs(draw: st.DrawFn, *, batch_norm: bool, conv: bool = False) -> dict:
    # with batch norm: on every hidden layer, or (half the examples) drawn per layer, n_i
    # the identity or Eq. 5 as the paper allows; an edge into an unnormalised hidden layer
    # reaches rank B* (into a normalised one B* − 1, into the scalar output 1)
    per_layer = batch_norm and draw(st.booleans())
    spec = draw(
        graph_networks(
            hidden=st.integers(1, 3),
            max_width=6,
            inputs=st.integers(3, 6) if conv else st.integers(2, 6),
            activation="relu",
            batch_norm=None if per_layer else batch_norm,
            conv=conv,
        )
    )
    if per_layer and not any(spec["norm"]):  # at least one normalised hidden layer
        spec["norm"][draw(st.integers(1, len(spec["dims"]) - 2))] = True
    loss = draw(st.sampled_from(["squared", "logistic", "exponential"]))
    m = draw(st.integers(3, 6))
    data = draw(labelled_inputs(m=m, n=spec["dims"][0], loss=loss, collinear=False))
    bstar = draw(st.integers(2 if batch_norm else 1, m - 1))
    return {
        "spec": spec,
        "X": data["X"],
        "Y": data["Y"],
        "loss": loss,
        "lam": 10.0 ** draw(st.integers(-4, 0)),
        "B_star": bstar,
        "sgd_steps": draw(st.sampled_from([0, 0, 50, 200])),
    }


def _sgd(net, x, y, *, loss, lam, b, steps, seed) -> None:
    """Plain mini-batch SGD with weight decay (lr 0.05), to bring W where the bound bites."""
    params = [w for w in net.weights if w.requires_grad]
    rng = np.random.default_rng(seed)
    m = x.shape[0]
    for _ in range(steps):
        idx = rng.choice(m, size=b, replace=False).tolist()
        try:
            out = net(x[idx])
        except ValueError:
            continue
        data = per_sample_loss(loss, out, torch.as_tensor(np.asarray(y))[idx]).mean()
        reg = lam * sum((w**2).sum() for w in params)
        grads = torch.autograd.grad(data + reg, params)
        with torch.no_grad():
            for w, gw in zip(params, grads, strict=True):
                w -= 0.05 * gw


def _theorem1_check(c: Check, spec, X, Y, loss, lam, B_star, sgd_steps, *, conv_only=False):
    net = build_network(spec)
    x = _t(X)
    if sgd_steps:
        _sgd(net, x, Y, loss=loss, lam=lam, b=B_star, steps=sgd_steps, seed=sgd_steps)
        spec = {**spec, "weights": [w.detach().numpy().copy() for w in net.weights]}
    tr = trainable_edges(spec)

    def grads_of(batch):
        return lambda nt: np.concatenate(
            [g.ravel() for g in gen.batch_gradients(nt, x, Y, batch, loss=loss, lam=lam)]
        )

    batches, flat, floors = [], [], []
    net = build_network(spec)
    for s in all_batches(x.shape[0], B_star):
        try:
            g = grads_of(s)(net)
        except ValueError:  # batch norm undefined on this batch (a zero-variance unit)
            continue
        with torch.no_grad():
            out = net(x[list(s)])
        lp = float(loss_derivative(loss, out, torch.as_tensor(np.asarray(Y))[list(s)]).abs().max())
        batches.append(s)
        flat.append(g)
        floors.append(SQRT_EPS * magnitude(net) * lp)
    # a guard: with Eq. 5 undefined on every batch the right side is undefined
    c.premise(bool(batches), "Eq. 5 defined on some batch of size B*", nonvacuity=True)
    offset = 0
    for e in tr:
        wn = np.asarray(spec["weights"][e], dtype=np.float64)
        size = wn.size
        grads = [f[offset : offset + size].reshape(wn.shape) for f in flat]
        offset += size
        if conv_only and spec["edges"][e]["kind"] != "conv":
            continue
        tail = np.linalg.svd(wn, compute_uv=False)[B_star:]
        scale = max(_fro(g) for g in grads) / (2 * lam) + _fro(wn)
        for name, norm in _UI_NORMS.items():
            rhs = min(norm(np.linalg.svd(g, compute_uv=False)) for g in grads) / (2 * lam)
            slack = FLOOR * scale * math.sqrt(wn.size)
            _leq(c, norm(tail), rhs, slack, f"Theorem 1, {name} norm")
        # the paper's witness U_S̃ = W − ∇/(2λ) = −(loss term)/(2λ), rank ≤ B* by Lemmas 1-2;
        # its rounding floor: √eps times the terms' size (loss term and subtraction)
        for g, floor in zip(grads, floors, strict=True):
            u = wn - g / (2 * lam)
            atol = floor / (2 * lam) + SQRT_EPS * (_fro(wn) + _fro(g) / (2 * lam))
            c.rank_at_most(u, B_star, "rank U_S̃ ≤ B* (Lemmas 1, 2)", atol=atol)
        # the other norms: ‖W − U_S̃‖ = ‖∇_S̃‖/(2λ) by construction, so the bound holds in
        # every norm exactly when rank U_S̃ ≤ B*, checked above for every batch


_THM1_HYP = [
    "‖·‖ any matrix norm; f_W(x, X̃) a ReLU network (Eq. 3-5), with or without batch norm",
    "W^{pq} any (trainable) matrix of f_W; B* < m a natural number; λ > 0 (Eq. 2)",
]
_THM1_STATEMENT = (
    "min_{rank(V) ≤ B*} ‖W^{pq} − V‖ ≤ (1/(2λ))·min_{S̃ ⊂ S, |S̃| = B*} "
    "‖∇_{W^{pq}} L^λ_{S̃}(f̃_W)‖ for any matrix norm."
)
_THM1_EVIDENCE = (
    "Random ReLU DAG networks, non-collinear data (m = 3-6), squared / logistic / "
    "exponential loss, λ ∈ {1e-4, …, 1}, B* < m; W at initialisation or after 50-200 steps of "
    "mini-batch SGD with weight decay (lr 0.05, batch B*), where the bound is tighter. All "
    "C(m, B*) batches; gradients by autograd (batch norm over the batch itself, X̃ = S̃). "
    "Every norm where the left side is computable: the unitarily invariant Frobenius, "
    "spectral, nuclear, Schatten-3 and Ky Fan 2 norms (Mirsky: the norm of the singular "
    "values beyond the B*-th). For any other norm (max entry, entrywise ℓ1, induced ℓ1 or ℓ∞, "
    "…) the minimum over rank ≤ B* is not computable; there the proof's witness carries the "
    "claim: U_S̃ = W − ∇_S̃/(2λ) = −(loss term)/(2λ) satisfies ‖W − U_S̃‖ = ‖∇_S̃‖/(2λ) in "
    "every norm by construction, so the bound holds in every norm exactly when "
    "rank U_S̃ ≤ B*, which is checked for every batch (Lemmas 1, 2)."
)


@claim(
    PAPER,
    "Theorem 1",
    statement=_THM1_STATEMENT,
    kind="inequality",
    hypotheses=[*_THM1_HYP, "no normalisation layers"],
    depends_on=["Lemma 1"],
    evidence=_THM1_EVIDENCE,
    tolerance=f"slack {FLOOR:g}·‖J‖·(max‖∇‖/(2λ) + ‖W‖) for rounding (J the all-ones matrix)",
    given=_theorem1_inputs(batch_norm=False),
    examples={"quick": 15, "default": 200, "thorough": 2000},
)
def theorem_1(c: Check, spec, X, Y, loss, lam, B_star, sgd_steps) -> None:
    _theorem1_check(c, spec, X, Y, loss, lam, B_star, sgd_steps)


@claim(
    PAPER,
    "Theorem 1 (batch norm)",
    statement=_THM1_STATEMENT + " With batch normalisation (Eq. 5, A_l detached).",
    kind="inequality",
    hypotheses=[
        *_THM1_HYP,
        "batch normalisation (Eq. 5) on every hidden layer or on some of them (n_i the "
        "identity elsewhere), X̃ = S̃",
    ],
    depends_on=["Lemma 2"],
    evidence=_THM1_EVIDENCE + " B* ≥ 2 (Eq. 5 divides by the batch's standard deviation). "
    "Half the networks normalise every hidden layer, half a subset drawn per layer (at least "
    "one): only an edge into an unnormalised hidden layer can reach rank U_S̃ = B* (into a "
    "normalised layer the centred batch gives B* − 1, into the scalar output 1).",
    tolerance=f"slack {FLOOR:g}·‖J‖·(max‖∇‖/(2λ) + ‖W‖) for rounding",
    given=_theorem1_inputs(batch_norm=True),
    examples={"quick": 15, "default": 200, "thorough": 2000},
)
def theorem_1_batch_norm(c: Check, spec, X, Y, loss, lam, B_star, sgd_steps) -> None:
    _theorem1_check(c, spec, X, Y, loss, lam, B_star, sgd_steps)


def _theorem1_conv_counterexample() -> dict:
    # the network of Lemma 1's counterexample with K = Φ = ∂f/∂K = [[1, 2], [2, 3]]: f(x) = 18
    # at x = (1, 2, 3), squared loss (a − y)², y = 19, λ = 1: the gradient of the batch
    # {(x, y)} is 2(f − y)Φ + 2λK = 0, while K has rank 2 (σ₂ = √5 − 2): B* = 1, m = 2
    cex = _conv_counterexample()
    cex["spec"]["weights"][0] = np.array([[1.0, 2.0], [2.0, 3.0]])
    return {
        "spec": cex["spec"],
        "X": np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]),
        "Y": np.array([19.0, 0.0]),
        "loss": "squared",
        "lam": 1.0,
        "B_star": 1,
        "sgd_steps": 0,
    }


@claim(
    PAPER,
    "Theorem 1 (weight-shared layer)",
    statement=_THM1_STATEMENT
    + " For a convolution kernel W^{pq} = K (the first abstract admits convolutional layers).",
    kind="inequality",
    hypotheses=[*_THM1_HYP, "the first hidden layer a 1-D convolution; W^{pq} its kernel"],
    depends_on=["Lemma 1 (weight-shared layer)"],
    expect="refuted",
    counterexamples=[_theorem1_conv_counterexample()],
    evidence=(
        _THM1_EVIDENCE + " Only the kernel is checked. The proof needs rank U_S̃ ≤ B*, which "
        "fails for shared weights (see 'Lemma 1 (weight-shared layer)'); the counterexample "
        "is a convergence point of the batch {(x, y)} with a rank-2 kernel."
    ),
    tolerance="as Theorem 1; the counterexample fails by 0.24 against a right side of 0",
    given=_theorem1_inputs(batch_norm=False, conv=True),
    examples={"quick": 10, "default": 100, "thorough": 1000},
)
def theorem_1_weight_shared(c: Check, spec, X, Y, loss, lam, B_star, sgd_steps) -> None:
    _theorem1_check(c, spec, X, Y, loss, lam, B_star, sgd_steps, conv_only=True)


# ---------------------------------------------------------------------------------------
# Appendix E: weight-normalised networks, exponential loss, no weight decay
# ---------------------------------------------------------------------------------------


@st.composite
def _appendix_e_inputs(draw: st.DrawFn) -> dict:
    depth = draw(st.integers(2, 4))
    widths = [draw(st.integers(1, 4)) for _ in range(depth)] + [1]
    spec = gen.mlp_spec(widths, seed=draw(gen.seeds()), init="gaussian")
    spec["weights"] = [w / np.linalg.norm(w, 2) for w in spec["weights"]]  # V_k, ‖V_k‖₂ = 1
    m = draw(st.integers(2, 5))
    data = draw(labelled_inputs(m=m, n=widths[0], loss="exponential", collinear=None))
    return {
        "spec": spec,
        "X": data["X"],
        "Y": data["Y"],
        "rho": float(draw(st.sampled_from([1.0, 3.0, 10.0, 30.0]))),
        "B": draw(st.integers(1, m - 1)),
    }


@claim(
    PAPER,
    "Appendix E",
    statement=(
        "For a ReLU MLP with normalised weights V_k trained with the exponential loss without "
        "weight decay, a point where Eq. 26, Σ_{n ∈ S̃} e^{−ρ y_n f̂_n} y_n (∂f̂_n/∂V_k − "
        "V_k f̂_n) = 0, holds for every mini-batch of size B < m has every V_k of rank ≤ 1 "
        "(unless all f̂_n = 0), for any finite ρ. Checked in the stable form (derived here): "
        "with ε_k the largest ‖Eq. 26‖_F over batches, dist_F(V_k, rank ≤ 1) ≤ "
        "(2B − 1)ε_k/(B·|w_n f̂_n|) for every n, w_n = e^{−ρ y_n f̂_n} y_n."
    ),
    kind="inequality",
    hypotheses=[
        "f(x) = W^L σ(W^{L−1} ⋯ σ(W^1 x)), ReLU, binary labels y_n = ±1, exponential loss",
        "V_k = W_k/ρ_k, ρ = Π ρ_k finite; Eq. 26 for every mini-batch of size B < m",
    ],
    depends_on=["Lemma 1"],
    evidence=(
        "Random ReLU MLPs of depth 2-4 with spectrally normalised Gaussian weights, data "
        "collinear or not, labels ±1, ρ ∈ {1, 3, 10, 30}. Why: batches differing in one "
        "sample give ‖w_n r_n‖ ≤ (2B − 1)ε_k/B with r_n = ∂f̂_n/∂V_k − V_k f̂_n, and "
        "V_k + r_n/f̂_n = (∂f̂_n/∂V_k)/f̂_n has rank ≤ 1 (Lemma 1). The paper gives no "
        "precise statement; this is the rank-one constraint its Eq. 26 implies."
    ),
    tolerance=f"slack {FLOOR:g}·(‖V‖ + ‖∂f̂/∂V‖/|f̂|) for rounding",
    given=_appendix_e_inputs(),
)
def appendix_e(c: Check, spec, X, Y, rho, B) -> None:
    net = build_network(spec)
    x = _t(X)
    m = x.shape[0]
    outs = net(x)[:, 0].detach().numpy()
    c.premise(bool(np.any(outs != 0)), "some f̂_n ≠ 0", nonvacuity=True)
    w = np.exp(-rho * Y * outs) * Y
    for k in range(len(spec["weights"])):
        vk = net.weights[k].detach().numpy()
        r = np.stack([output_gradient(net, x[i : i + 1], k) - vk * outs[i] for i in range(m)])
        eps = max(_fro(sum(w[i] * r[i] for i in s)) for s in all_batches(m, B))
        sv = np.linalg.svd(vk, compute_uv=False)
        dist = float(np.sqrt(np.sum(sv[1:] ** 2)))
        for i in range(m):
            if outs[i] == 0:
                continue
            bound = (2 * B - 1) * eps / (B * abs(w[i] * outs[i]))
            slack = FLOOR * (_fro(vk) + _fro(r[i]) / abs(outs[i]) + bound)
            _leq(c, dist, bound, slack, "dist_F(V_k, rank ≤ 1) ≤ (2B−1)ε/(B|w_n f̂_n|)")


# the empirical claims of Sections 3.2 and 4.2 (declared after the statements above)
from rankclaims.claims._galanti_experiments import *  # noqa: E402, F403
