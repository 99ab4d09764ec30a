"""The networks of Galanti & Poggio 2022 (Eq. 3-5) as PyTorch modules, and strategies for them.

A network is described by a *spec*, a plain dict of lists, strings and NumPy arrays (so a
counterexample is JSON data and replays bit for bit), and built into a
:class:`GraphNetwork`, a :class:`torch.nn.Module`, by :func:`build_network`.

The spec is the paper's DAG ``G = (V, E)``: layers ``v_0`` (the input, ``x ∈ R^n``) to
``v_{L-1}`` (the linear output, ``R^k``); an edge ``(i, j)`` (``j < i``) carries a weight
``W^{ij} ∈ R^{d_i × d_j}`` that is ``trainable`` (in ``E_T``), ``constant`` (a residual
connection, or any fixed matrix) or ``conv`` (a weight-shared layer: a 1-D valid convolution
whose kernel, shape ``(c_out, c_in·k)``, is the trainable matrix). Each intermediate layer is
Eq. 3, ``v_i = σ_i(n_i(Σ_j W^{ij} v_j))``, the output layer Eq. 4 (no σ, no n), and ``n_i`` is
the identity or batch normalisation exactly as Eq. 5 defines it::

    n(z; X̃) = γ · A(X̃) · (z − b(X̃)) + 1·β,   A = diag(Var_{x̂∼U[X̃]}(z_j)^{-1/2}),
    b = E_{x̂∼U[X̃]}[z]

with scalar ``γ``, ``β`` per layer, the population variance over the batch, no ε, the mean
``b`` differentiated through and the variance factor ``A`` detached (``bn="detached"``, the
paper's pseudo-gradient) or not (``bn="standard"``).

Spec keys
---------
``dims``        ``[n, d_1, ..., d_{L-2}, k]``: layer widths
``activation``  one name per layer (the input's and output's are ignored), from
                :data:`ACTIVATIONS`
``edges``       list of dicts ``{"head": i, "tail": j, "kind": ..., "channels_in": c,
                "kernel": k}`` (the last two for ``conv`` only)
``weights``     one float64 array per edge (``(d_i, d_j)``; conv: ``(c_out, c_in·k)``)
``norm``        one bool per layer: batch normalisation on that layer
``gamma``, ``beta``  one float per layer (used where ``norm``)
``bn``          ``"detached"`` (Eq. 5 as the paper trains) or ``"standard"``
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from rankclaims.generators._random import seeds
from rankclaims.generators._validation import (
    check_choice,
    check_integer,
    prepare,
    resolve,
)

__all__ = [
    "ACTIVATIONS",
    "EDGE_KINDS",
    "INITS",
    "LOSSES",
    "GraphNetwork",
    "all_batches",
    "batch_gradients",
    "build_network",
    "graph_networks",
    "labelled_inputs",
    "loss_derivative",
    "magnitude",
    "mlp_spec",
    "output_gradient",
    "per_sample_loss",
    "resnet_spec",
    "trainable_edges",
]

ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "identity")
EDGE_KINDS = ("trainable", "constant", "conv")
INITS = ("pytorch", "gaussian", "integer")
LOSSES = ("squared", "logistic", "exponential", "cross_entropy")
_HIDDEN, _INPUTS, _M = st.integers(1, 3), st.integers(1, 4), st.integers(2, 5)
#: init="integer": entries in [-INTEGER_MAX, INTEGER_MAX]
INTEGER_MAX = 3

_ACT = {
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "identity": lambda z: z,
}


# ---------------------------------------------------------------------------------------
# the module
# ---------------------------------------------------------------------------------------


def _check_spec(spec: Any) -> dict:
    if not isinstance(spec, dict):
        raise InvalidArgument(f"spec={spec!r} must be a dict (see rankclaims.generators)")
    for key in ("dims", "edges", "weights"):
        if key not in spec:
            raise InvalidArgument(f"spec has no {key!r} (keys: {sorted(spec)})")
    dims = [check_integer(d, f"dims[{i}]", min_value=1) for i, d in enumerate(spec["dims"])]
    if len(dims) < 2:
        raise InvalidArgument(f"dims={dims} needs an input and an output layer")
    if len(spec["weights"]) != len(spec["edges"]):
        raise InvalidArgument(
            f"{len(spec['edges'])} edges but {len(spec['weights'])} weights: one weight per edge"
        )
    nl = len(dims)
    preds = {i: [] for i in range(nl)}
    for e, w in zip(spec["edges"], spec["weights"], strict=True):
        i, j, kind = e["head"], e["tail"], e["kind"]
        check_choice(kind, "edge kind", EDGE_KINDS)
        if not (0 <= j < i < nl):
            raise InvalidArgument(
                f"edge ({i}, {j}): edges go from an earlier layer j to a later layer i "
                f"(0 <= j < i < {nl}); nothing enters the input layer"
            )
        w = np.asarray(w)
        if kind == "conv":
            c_in, k = int(e["channels_in"]), int(e["kernel"])
            if dims[j] % c_in:
                raise InvalidArgument(f"conv edge ({i}, {j}): d_{j}={dims[j]} not c_in={c_in}·L")
            length = dims[j] // c_in - k + 1
            if length < 1 or dims[i] % length:
                raise InvalidArgument(
                    f"conv edge ({i}, {j}): output length {length} does not divide d_{i}={dims[i]}"
                )
            want = (dims[i] // length, c_in * k)
        else:
            want = (dims[i], dims[j])
        if w.shape != want:
            raise InvalidArgument(f"edge ({i}, {j}): weight shape {w.shape}, expected {want}")
        if not np.all(np.isfinite(np.asarray(w, dtype=np.float64))):
            raise InvalidArgument(f"edge ({i}, {j}): weight has NaN or infinite entries")
        preds[i].append(j)
    for i in range(1, nl):
        if not preds[i]:
            raise InvalidArgument(f"layer {i} has no incoming edge")
    return spec


class GraphNetwork(torch.nn.Module):
    """``f_W(x; X̃)`` of Eq. 3-5 (float64). Build it with :func:`build_network`.

    ``forward(x, batch=None)``: ``x`` of shape ``(N, n)``; batch normalisation takes its
    statistics over ``batch`` (shape ``(B, n)``; default: ``x`` itself, i.e. ``X̃ = x``, as
    in training). Returns ``(N, k)``. Parameters: ``weights[e]`` per edge (constant edges as
    buffers, ``requires_grad=False``), and ``gamma``/``beta`` for normalised layers.
    """

    def __init__(self, spec: dict, *, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        spec = _check_spec(spec)
        self.dims = [int(d) for d in spec["dims"]]
        nl = len(self.dims)
        acts = spec.get("activation", "relu")
        self.activation = [acts] * nl if isinstance(acts, str) else list(acts)
        for a in self.activation:
            check_choice(a, "activation", ACTIVATIONS)
        self.edges = [dict(e) for e in spec["edges"]]
        self.norm = list(spec.get("norm", [False] * nl))
        self.bn = check_choice(spec.get("bn", "detached"), "bn", ("detached", "standard"))
        self.weights = torch.nn.ParameterList()
        for e, w in zip(self.edges, spec["weights"], strict=True):
            t = torch.as_tensor(np.asarray(w, dtype=np.float64), dtype=dtype).clone()
            self.weights.append(torch.nn.Parameter(t, requires_grad=e["kind"] != "constant"))
        gam = spec.get("gamma", [1.0] * nl)
        bet = spec.get("beta", [0.0] * nl)
        self.gamma = torch.nn.Parameter(torch.tensor([float(g) for g in gam], dtype=dtype))
        self.beta = torch.nn.Parameter(torch.tensor([float(b) for b in bet], dtype=dtype))

    def _apply_edge(self, e: dict, w: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        if e["kind"] != "conv":
            return v @ w.T
        c_in, k = int(e["channels_in"]), int(e["kernel"])
        rows = v.shape[0]
        out = torch.nn.functional.conv1d(v.reshape(rows, c_in, -1), w.reshape(w.shape[0], c_in, k))
        return out.reshape(rows, -1)

    def forward(self, x: torch.Tensor, batch: torch.Tensor | None = None) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=self.gamma.dtype)
        if x.ndim != 2 or x.shape[1] != self.dims[0]:
            raise ValueError(f"x has shape {tuple(x.shape)}; expected (N, {self.dims[0]})")
        n = x.shape[0]
        if batch is None:
            rows, stats = x, slice(0, n)
        else:
            batch = torch.as_tensor(batch, dtype=x.dtype)
            if batch.ndim != 2 or batch.shape[1] != self.dims[0]:
                raise ValueError(
                    f"batch has shape {tuple(batch.shape)}; expected (B, {self.dims[0]})"
                )
            rows, stats = torch.cat([x, batch]), slice(n, n + batch.shape[0])
        last = len(self.dims) - 1
        self.last_std: dict[int, float] = {}
        self.last_rows = float(torch.linalg.vector_norm(rows.detach(), dim=1).max())
        v: list[torch.Tensor | None] = [rows] + [None] * last
        for i in range(1, last + 1):
            z = sum(
                self._apply_edge(e, w, v[e["tail"]])
                for e, w in zip(self.edges, self.weights, strict=True)
                if e["head"] == i
            )
            if i == last:
                v[i] = z
                break
            if self.norm[i]:
                zb = z[stats]
                mean = zb.mean(0)
                var = ((zb - mean) ** 2).mean(0)
                if bool((var == 0).any()):
                    units = torch.nonzero(var == 0).flatten().tolist()
                    raise ValueError(
                        f"batch norm at layer {i}: units {units} have zero variance over the "
                        "batch (Eq. 5 divides by the standard deviation, without ε)"
                    )
                self.last_std[i] = float(torch.sqrt(var.detach()).min())
                scale = var.detach() if self.bn == "detached" else var
                z = self.gamma[i] * (z - mean) / torch.sqrt(scale) + self.beta[i]
            v[i] = _ACT[self.activation[i]](z)
        return v[last][:n]


def magnitude(net: GraphNetwork) -> float:
    """A crude bound on the size of the terms the last forward pass (and its backward pass)
    added up: ``max(1, max‖row‖)·Π_e max(1, ‖W_e‖)·Π_{BN l} max(1, |γ_l|/σ_min,l)·(1 + Σ|β_l|)``
    (σ_min,l the smallest standard deviation over the batch; conv kernels by ‖K‖_F·√P).

    Rounding errors of an autograd derivative are a few eps times such a bound at most;
    claims set a rank floor ``√eps·magnitude`` so that a derivative that is zero up to
    cancellation (batch norm of two points, dead units) never counts as rank noise."""
    bound = max(1.0, getattr(net, "last_rows", 1.0))
    for e, w in zip(net.edges, net.weights, strict=True):
        wn = w.detach().double()
        if e["kind"] == "conv":
            pos = net.dims[e["tail"]] // int(e["channels_in"]) - int(e["kernel"]) + 1
            size = float(torch.linalg.vector_norm(wn)) * math.sqrt(pos)
        else:
            size = float(torch.linalg.matrix_norm(wn, 2)) if wn.numel() else 0.0
        bound *= max(1.0, size)
    for i, sd in getattr(net, "last_std", {}).items():
        bound *= max(1.0, abs(float(net.gamma[i].detach())) / sd if sd > 0 else math.inf)
    return bound * (1.0 + float(net.beta.detach().abs().sum()))


def build_network(spec: dict, *, dtype: torch.dtype = torch.float64) -> GraphNetwork:
    """The :class:`GraphNetwork` of a spec (validated: a bad spec raises ``InvalidArgument``
    naming the edge, layer or shape at fault)."""
    return GraphNetwork(spec, dtype=dtype)


def trainable_edges(spec: dict) -> list[int]:
    """Indices of the edges whose weight is trained (``trainable`` and ``conv``)."""
    return [i for i, e in enumerate(spec["edges"]) if e["kind"] != "constant"]


# ---------------------------------------------------------------------------------------
# losses and gradients (autograd)
# ---------------------------------------------------------------------------------------


def per_sample_loss(loss: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``ℓ(f(x_i), y_i)`` per row. ``out``: ``(N, k)``. Labels: real targets ``(N, k)`` for
    ``squared`` (``ℓ = ‖a − y‖²``); ``±1`` ``(N,)`` for ``logistic`` (``log(1 + e^{−ya})``)
    and ``exponential`` (``e^{−ya}``), scalar outputs; class indices ``(N,)`` for
    ``cross_entropy`` (``−log softmax(a)_y``)."""
    check_choice(loss, "loss", LOSSES)
    y = torch.as_tensor(y)
    if loss == "squared":
        return ((out - y.to(out.dtype).reshape(out.shape)) ** 2).sum(1)
    if loss == "cross_entropy":
        return torch.nn.functional.cross_entropy(out, y.long(), reduction="none")
    if out.shape[1] != 1:
        raise ValueError(f"loss={loss!r} needs a scalar output; the network has {out.shape[1]}")
    margin = y.to(out.dtype) * out[:, 0]
    if loss == "logistic":
        return torch.nn.functional.softplus(-margin)
    return torch.exp(-margin)


def loss_derivative(loss: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``∂ℓ(f(x_i), y_i)/∂f(x_i)`` per row, shape ``(N, k)`` (autograd through
    :func:`per_sample_loss`)."""
    a = out.detach().clone().requires_grad_(True)
    per_sample_loss(loss, a, y).sum().backward()
    return a.grad


def output_gradient(
    net: GraphNetwork,
    x: torch.Tensor,
    edge: int,
    *,
    batch: torch.Tensor | None = None,
    output: int = 0,
    weights: Sequence[float] | None = None,
) -> np.ndarray:
    """``∂f(x; X̃)_output/∂W^{edge}`` by autograd, as a NumPy matrix (pseudo-gradient: with
    ``bn="detached"`` the variance factor is treated as constant).

    ``x`` may hold several rows; ``weights`` (one per row) then gives
    ``Σ_j β_j ∂f(x_j; X̃)/∂W`` (Lemma 2's combination), by default the plain sum.
    """
    out = net(x, batch)[:, output]
    beta = torch.ones_like(out) if weights is None else torch.as_tensor(weights, dtype=out.dtype)
    (g,) = torch.autograd.grad((beta * out).sum(), net.weights[edge], allow_unused=True)
    if g is None:
        return np.zeros(tuple(net.weights[edge].shape))
    return g.detach().numpy().copy()


def batch_gradients(
    net: GraphNetwork,
    x: torch.Tensor,
    y: torch.Tensor,
    idx: Sequence[int],
    *,
    loss: str,
    lam: float,
) -> list[np.ndarray]:
    """``∇_{W^{pq}} L^λ_{S̃}`` for every trainable edge (Eq. 6 / Eq. 17): the mini-batch
    ``S̃ = {(x_i, y_i)}_{i ∈ idx}``, ``L^λ_{S̃} = (1/B) Σ_{S̃} ℓ(f(x_i; X̃), y_i) + λ Σ‖W‖²_F``
    with ``X̃ = {x_i}_{i ∈ idx}`` (batch normalisation's statistics), so the gradient is the
    loss term plus ``2λW``. Returned in the order of :func:`trainable_edges`."""
    idx = list(idx)
    xb = torch.as_tensor(x)[idx]
    yb = torch.as_tensor(y)[idx]
    out = net(xb)
    data = per_sample_loss(loss, out, yb).mean()
    params = [w for w in net.weights if w.requires_grad]
    grads = torch.autograd.grad(data, params, allow_unused=True)
    return [
        (np.zeros(tuple(w.shape)) if g is None else g.detach().numpy().copy())
        + 2.0 * lam * w.detach().numpy()
        for g, w in zip(grads, params, strict=True)
    ]


# ---------------------------------------------------------------------------------------
# specs of the paper's families
# ---------------------------------------------------------------------------------------


def _init(rng: np.random.Generator, shape: tuple[int, int], fan_in: int, init: str) -> np.ndarray:
    if init == "pytorch":  # torch.nn.Linear's default: kaiming_uniform(a=√5) = U(±1/√fan_in)
        bound = 1.0 / math.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=shape)
    if init == "gaussian":  # N(0, 2/fan_in): He et al., the usual ReLU initialisation
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)
    return rng.integers(-INTEGER_MAX, INTEGER_MAX + 1, size=shape).astype(np.float64)


def _edge(head: int, tail: int, kind: str = "trainable", **extra: int) -> dict:
    return {"head": head, "tail": tail, "kind": kind, **extra}


def _finish(dims, edges, acts, norm, init, seed, bn) -> dict:
    rng = np.random.default_rng(seed)
    weights = []
    for e in edges:
        i, j = e["head"], e["tail"]
        if e["kind"] == "constant":
            if dims[i] == dims[j]:
                weights.append(np.eye(dims[i]))
            else:
                weights.append(_init(rng, (dims[i], dims[j]), dims[j], init))
        elif e["kind"] == "conv":
            c_in, k = e["channels_in"], e["kernel"]
            c_out = dims[i] // (dims[j] // c_in - k + 1)
            weights.append(_init(rng, (c_out, c_in * k), c_in * k, init))
        else:
            weights.append(_init(rng, (dims[i], dims[j]), dims[j], init))
    nl = len(dims)
    return {
        "dims": list(dims),
        "activation": list(acts),
        "edges": edges,
        "weights": weights,
        "norm": list(norm),
        "gamma": [1.0] * nl,
        "beta": [0.0] * nl,
        "bn": bn,
    }


def mlp_spec(
    widths: Sequence[int],
    *,
    batch_norm: bool = False,
    activation: str = "relu",
    init: str = "pytorch",
    seed: int = 0,
    bn: str = "detached",
) -> dict:
    """MLP-L-H / MLP-BN-L-H (Sec. 4.1): ``widths = [n, H_1, ..., H_L, k]``; each hidden
    layer linear, then batch normalisation (if ``batch_norm``), then σ; a linear output."""
    widths = [check_integer(w, f"widths[{i}]", min_value=1) for i, w in enumerate(widths)]
    if len(widths) < 2:
        raise InvalidArgument(f"widths={widths} needs at least [n, k]")
    check_choice(activation, "activation", ACTIVATIONS)
    check_choice(init, "init", INITS)
    nl = len(widths)
    edges = [_edge(i, i - 1) for i in range(1, nl)]
    norm = [False] + [batch_norm] * (nl - 2) + [False]
    return _finish(widths, edges, [activation] * nl, norm, init, seed, bn)


def resnet_spec(
    n: int,
    width: int,
    blocks: int,
    outputs: int = 1,
    *,
    batch_norm: bool = True,
    activation: str = "relu",
    init: str = "pytorch",
    seed: int = 0,
    bn: str = "detached",
) -> dict:
    """RES-BN-L-H / RES-L-H (Sec. 4.1) as the paper's DAG: a linear layer of width H
    (``z_0 = W x``), then ``L = blocks`` residual blocks ``z + σ(n_2(W_2 σ(n_1(W_1 z))))``
    (the sum is a layer with identity activation fed by a constant identity edge from
    ``z`` and the block's output), then a linear output layer."""
    n = check_integer(n, "n", min_value=1)
    width = check_integer(width, "width", min_value=1)
    blocks = check_integer(blocks, "blocks", min_value=0)
    outputs = check_integer(outputs, "outputs", min_value=1)
    check_choice(activation, "activation", ACTIVATIONS)
    check_choice(init, "init", INITS)
    dims, acts, norm, edges = [n, width], ["identity", "identity"], [False, False], [_edge(1, 0)]
    z = 1
    for _ in range(blocks):
        a, b, s = len(dims), len(dims) + 1, len(dims) + 2
        dims += [width] * 3
        acts += [activation, activation, "identity"]
        norm += [batch_norm, batch_norm, False]
        edges += [_edge(a, z), _edge(b, a), _edge(s, z, "constant"), _edge(s, b, "constant")]
        z = s
    dims.append(outputs)
    acts.append("identity")
    norm.append(False)
    edges.append(_edge(len(dims) - 1, z))
    return _finish(dims, edges, acts, norm, init, seed, bn)


# ---------------------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------------------


@st.composite
def _graph_networks(
    draw: st.DrawFn,
    hidden,
    max_width,
    activation,
    batch_norm,
    bn,
    constant_edges,
    input_edges,
    conv,
    outputs,
    init,
    inputs,
) -> dict:
    n_hidden = resolve(draw, hidden, lambda v: check_integer(v, "hidden", min_value=0))
    n = resolve(draw, inputs, lambda v: check_integer(v, "inputs", min_value=1))
    k = resolve(draw, outputs, lambda v: check_integer(v, "outputs", min_value=1))
    act = resolve(draw, activation, lambda v: check_choice(v, "activation", ACTIVATIONS))
    kind_init = resolve(draw, init, lambda v: check_choice(v, "init", INITS))
    nl = n_hidden + 2
    if conv:
        if n_hidden < 1:
            raise InvalidArgument("conv=True needs hidden >= 1 (the conv layer is hidden)")
        kernel = draw(st.integers(2, max(2, min(3, n))))
        n = max(n, kernel)  # the input must be at least one kernel long
        c_out = draw(st.integers(2, 3))
        first = c_out * (n - kernel + 1)
    dims = [n] + [draw(st.integers(1, max_width)) for _ in range(n_hidden)] + [k]
    if conv:
        dims[1] = first
    edges = []
    for i in range(1, nl):
        for j in range(i):
            chain = j == i - 1
            if not chain and not draw(st.booleans()):
                continue
            if conv and i == 1:
                edges.append(_edge(1, 0, "conv", channels_in=1, kernel=kernel))
                continue
            kind = "trainable"
            if constant_edges and not chain and draw(st.integers(0, 2)) == 0:
                kind = "constant"
            if j == 0 and input_edges == "trainable":
                kind = "trainable"
            edges.append(_edge(i, j, kind))
    if batch_norm is None:
        norm = [False] + [draw(st.booleans()) for _ in range(n_hidden)] + [False]
    else:
        norm = [False] + [bool(batch_norm)] * n_hidden + [False]
    acts = ["identity"] + [act] * n_hidden + ["identity"]
    seed = draw(seeds())
    return _finish(dims, edges, acts, norm, kind_init, seed, bn)


def graph_networks(
    *,
    hidden: int | st.SearchStrategy[int] = _HIDDEN,
    max_width: int = 4,
    inputs: int | st.SearchStrategy[int] = _INPUTS,
    outputs: int | st.SearchStrategy[int] = 1,
    activation: str | st.SearchStrategy[str] = "relu",
    batch_norm: bool | None = False,
    bn: str = "detached",
    constant_edges: bool = True,
    input_edges: str = "any",
    conv: bool = False,
    init: str | st.SearchStrategy[str] = "pytorch",
) -> st.SearchStrategy[dict]:
    """Specs of random DAG networks (Eq. 3-4) for :func:`build_network`.

    Layers ``0`` (input, width ``inputs``), ``1..hidden`` (widths in ``[1, max_width]``)
    and the linear output (``outputs``). Each layer is fed by its predecessor (so a path
    from the input exists) plus any earlier layers Hypothesis chooses (skip connections);
    with ``constant_edges`` a skip edge may be constant (identity when the widths agree, a
    fixed matrix otherwise), with ``input_edges="trainable"`` every edge out of the input
    is trainable (Props. 1-2's hypothesis). ``batch_norm``: on every hidden layer (True),
    none (False) or drawn per layer (None); ``bn`` as in :class:`GraphNetwork`. ``conv``:
    the first hidden layer is a 1-D convolution of the input (one channel, kernel 2-3,
    2-3 output channels), a weight-shared layer. Weights from a seed drawn by Hypothesis,
    with ``init`` one of :data:`INITS` (``"pytorch"``: ``torch.nn.Linear``'s default
    ``U(±1/√fan_in)``). Shrinks toward one hidden layer of width 1, no skips, seed 0.
    """
    hidden = prepare(hidden, lambda v: check_integer(v, "hidden", min_value=0))
    max_width = check_integer(max_width, "max_width", min_value=1)
    inputs = prepare(inputs, lambda v: check_integer(v, "inputs", min_value=1))
    outputs = prepare(outputs, lambda v: check_integer(v, "outputs", min_value=1))
    activation = prepare(activation, lambda v: check_choice(v, "activation", ACTIVATIONS))
    init = prepare(init, lambda v: check_choice(v, "init", INITS))
    check_choice(bn, "bn", ("detached", "standard"))
    check_choice(input_edges, "input_edges", ("any", "trainable"))
    if batch_norm not in (True, False, None):
        raise InvalidArgument(f"batch_norm={batch_norm!r} must be True, False or None")
    return _graph_networks(
        hidden,
        max_width,
        activation,
        batch_norm,
        bn,
        constant_edges,
        input_edges,
        bool(conv),
        outputs,
        init,
        inputs,
    )


@st.composite
def _labelled_inputs(draw: st.DrawFn, m, n, loss, outputs, collinear) -> dict:
    m = resolve(draw, m, lambda v: check_integer(v, "m", min_value=1))
    n = resolve(draw, n, lambda v: check_integer(v, "n", min_value=1))
    k = resolve(draw, outputs, lambda v: check_integer(v, "outputs", min_value=1))
    line = draw(st.booleans()) if collinear is None else collinear
    rng = np.random.default_rng(draw(seeds()))
    if line:
        direction = rng.normal(size=n)
        scales = rng.uniform(0.5, 2.0, size=m) * rng.choice([-1.0, 1.0], size=m)
        x = scales[:, None] * direction[None, :]
    else:
        x = rng.normal(size=(m, n))
    if loss == "squared":
        y = rng.normal(size=(m, k))
    elif loss == "cross_entropy":
        y = rng.integers(0, k, size=m)
    else:
        y = rng.choice([-1.0, 1.0], size=m)
    return {"X": x, "Y": y}


def labelled_inputs(
    *,
    m: int | st.SearchStrategy[int] = _M,
    n: int | st.SearchStrategy[int] = _INPUTS,
    loss: str = "squared",
    outputs: int | st.SearchStrategy[int] = 1,
    collinear: bool | None = False,
) -> st.SearchStrategy[dict]:
    """Training sets ``{"X": (m, n), "Y": ...}`` with labels for ``loss``
    (:func:`per_sample_loss`): nonzero inputs, Gaussian (``collinear=False``: not collinear
    with probability one once ``m, n ≥ 2``), on a line through the origin with scales
    ``±[0.5, 2]`` (``True``), or either (``None``). From a seed drawn by Hypothesis."""
    m = prepare(m, lambda v: check_integer(v, "m", min_value=1))
    n = prepare(n, lambda v: check_integer(v, "n", min_value=1))
    outputs = prepare(outputs, lambda v: check_integer(v, "outputs", min_value=1))
    check_choice(loss, "loss", LOSSES)
    if collinear not in (True, False, None):
        raise InvalidArgument(f"collinear={collinear!r} must be True, False or None")
    return _labelled_inputs(m, n, loss, outputs, collinear)


def all_batches(m: int, size: int) -> list[tuple[int, ...]]:
    """Every mini-batch ``S̃ ⊂ S`` of ``size`` samples (index tuples)."""
    check_integer(size, "size", min_value=1)
    return list(itertools.combinations(range(m), size))
