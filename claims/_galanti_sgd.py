"""Seeded mini-batch SGD on Galanti & Poggio's network families, many runs at once.

The experiments of Galanti & Poggio 2022 (Sections 3.2, 4 and Appendix A) train MLP-L-H,
MLP-BN-L-H and RES-BN-L-H networks with mini-batch SGD, weight decay and (optionally)
momentum, and record after every epoch the normalised rank of every trainable matrix, the
train loss and accuracy, and ``d(W_{t+1}, W_t)``. This module does the same at small widths
on small synthetic data, on the CPU, fast enough for a claim's check:

* **Runs in parallel.** Every run ``r`` has its own weights, stacked along a leading axis
  (``(R, H, H)``) and multiplied with :func:`torch.bmm`; the losses of all runs are summed
  and differentiated once, and since no run's loss depends on another run's weights, each
  run receives exactly its own gradient. Runs may differ in seed, batch size, learning rate,
  weight decay and momentum; runs that share a batch size form one group, trained in one
  batched computation (padding smaller batches to a larger one would multiply the work by
  the ratio of the batch sizes). At these sizes a step costs the same for one run as for a
  few dozen, so a grid of runs costs about one run per batch size.
* **The paper's definitions.** Architectures (Sec. 4.1): MLP-L-H is ``L`` hidden layers
  ``h ← σ(W h)`` of width ``H`` and a linear output layer; MLP-BN-L-H puts batch
  normalisation between each linear map and its ReLU; RES-BN-L-H is a linear layer of width
  ``H`` (no activation, as printed) followed by ``L`` blocks ``z + σ(n₂(W₂ σ(n₁(W₁ z))))`` and
  a linear output layer. No biases (Eqs. 3-4). Batch normalisation is Eq. 5: per unit,
  ``γ_l · A_l · (v − b_l) + β_l`` with the batch mean ``b_l`` (differentiated through) and
  ``A_l = diag(1/√(Var + ε))`` *detached* (stop-grad), the biased batch variance, ``ε = 1e-5``
  (PyTorch's default; Eq. 5 has none) and one scalar ``γ_l``, ``β_l`` per normalised layer.
  SGD (Sec. 2.1): ``W ← W − η·v``, ``v ← μ·v + ∇L_S̃ + 2λW`` (PyTorch's momentum, no
  dampening; ``μ = 0`` is plain SGD) for the regularised objective ``L + λ‖W‖²`` of Eq. 2, the
  decay applied to every trainable parameter (matrices and the BN scalars). Note that
  PyTorch's ``weight_decay=wd`` is ``λ = wd/2`` in this convention.
* **What is recorded.** After every epoch (and at initialisation): the normalised rank of
  every trainable matrix (:func:`rankclaims.kernels.normalized_rank`, singular values of
  ``W/σ₁(W)`` above 1e-4) with its decision margin, the train loss and accuracy on the whole
  training set (batch normalisation with the statistics of the whole training set, as the
  paper evaluates), the Frobenius norms of the matrices, and
  ``d(W_{t+1}, W_t) = (1/|E_T|) Σ_{(p,q)∈E_T} ‖W^{pq}_{t+1} − W^{pq}_t‖_F`` between
  consecutive epochs (Sec. 4.2), ``E_T`` being every trainable matrix (input, hidden and
  output layers).

Data: :func:`mixture_data`, a balanced ``k``-class task whose classes are unions of Gaussian
clusters, not linearly separable, fitted by the networks to ~100% train accuracy (as MNIST
and CIFAR10 are by the paper's networks).

Training runs in float64 by default (``dtype=torch.float32`` as PyTorch's default, used by
the claims for speed); ranks are always decided in float64 on the stored weights. A run is
deterministic: its dataset, initialisation and batch order depend only on its ``seed`` (runs
that share a seed share them, which pairs the comparisons of the claims), never on the other
runs, and in float64 a run trained in a batch equals the run trained alone (tested).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from rankclaims.kernels import normalized_rank

__all__ = [
    "ARCHS",
    "BN_EPS",
    "History",
    "Net",
    "Run",
    "bn_eq5",
    "forward",
    "gradients",
    "init_net",
    "losses",
    "mixture_data",
    "train",
]

ARCHS = ("mlp", "mlp_bn", "res_bn")
#: ε added to the batch variance inside A_l (PyTorch's default; Eq. 5 has none).
BN_EPS = 1e-5
#: The paper's rank threshold for the normalised matrix (Sec. 4.1).
RANK_THRESHOLD = 1e-4
#: ranks are decided for this many epochs' snapshots at once
RANK_CHUNK = 20
#: a group of runs trained in lock step holds at most this many samples per step (runs ×
#: batch size): past it a step's activations leave the CPU's caches and a step costs more
#: per run (measured: 36 runs of B = 64 take twice as long per run as 18)
GROUP_SAMPLES = 1152


@dataclass(frozen=True)
class Net:
    """The architecture and the task: ``arch`` in :data:`ARCHS`, depth ``L``, width ``H``,
    input dimension ``n``, ``k`` classes, ``m`` training samples, loss ``"ce"`` or ``"mse"``.
    """

    arch: str = "mlp_bn"
    L: int = 4
    H: int = 32
    n: int = 16
    k: int = 4
    m: int = 128
    loss: str = "ce"

    def __post_init__(self) -> None:
        if self.arch not in ARCHS:
            raise ValueError(f"arch={self.arch!r} must be one of {ARCHS}")
        if self.loss not in ("ce", "mse"):
            raise ValueError(f"loss={self.loss!r} must be 'ce' or 'mse'")
        if min(self.L, self.H, self.n, self.k, self.m) < 1:
            raise ValueError("L, H, n, k, m must be positive")

    @property
    def bn(self) -> bool:
        return self.arch != "mlp"

    def shapes(self) -> list[tuple[str, tuple[int, int]]]:
        """Names and shapes ``(d_out, d_in)`` of the trainable matrices, input to output."""
        H, n = self.H, self.n
        if self.arch == "res_bn":
            mats = [("W0", (H, n))]
            for i in range(1, self.L + 1):
                mats += [(f"B{i}.W1", (H, H)), (f"B{i}.W2", (H, H))]
        else:
            mats = [("W1", (H, n))] + [(f"W{i}", (H, H)) for i in range(2, self.L + 1)]
        return [*mats, ("out", (self.k, H))]

    def n_norms(self) -> int:
        """How many batch-normalised layers (each with scalars γ_l, β_l)."""
        return {"mlp": 0, "mlp_bn": self.L, "res_bn": 2 * self.L}[self.arch]

    def hidden(self) -> list[int]:
        """Indices of the square ``H×H`` hidden matrices (the ones whose rank can reach H)."""
        return [i for i, (name, s) in enumerate(self.shapes()) if s == (self.H, self.H)]


@dataclass(frozen=True)
class Run:
    """One training run: its seed (data, initialisation, batch order), batch size ``B``,
    learning rate ``lr`` (η), weight decay ``wd`` (λ of ``L + λ‖W‖²``) and ``momentum``."""

    seed: int
    B: int
    lr: float
    wd: float
    momentum: float = 0.0


@dataclass
class History:
    """What :func:`train` records, run ``r`` first, epoch ``t`` second (``t = 0`` is the
    initialisation); ``mats`` names the matrices of the last axis of ``rank``."""

    runs: list[Run]
    mats: list[str]
    hidden: list[int]
    rank: np.ndarray  # (R, E+1, M) normalised ranks
    margin: np.ndarray  # (R, E+1, M) decision margins of those ranks (> 1: decided)
    norm: np.ndarray  # (R, E+1, M) Frobenius norms
    loss: np.ndarray  # (R, E+1) train loss (without the regulariser)
    acc: np.ndarray  # (R, E+1) train accuracy
    d: np.ndarray  # (R, E) d(W_{t+1}, W_t), t = 0..E-1
    steps: np.ndarray  # (R,) SGD steps taken
    #: the final weights: per matrix, ``(R, d_out, d_in)`` (float64 copies of the stored ones)
    weights: list[np.ndarray] = field(default_factory=list)
    #: the final BN scalars ``γ``, ``β``: ``(R, P)`` each
    gamma: np.ndarray | None = None
    beta: np.ndarray | None = None

    def hidden_rank(self) -> np.ndarray:
        """(R, E+1): average rank of the square hidden matrices (the paper's "average rank
        across layers", restricted to matrices that can reach rank H)."""
        return self.rank[:, :, self.hidden].mean(axis=-1)


# -- data ------------------------------------------------------------------------------------


def mixture_data(seed: int, *, n: int, k: int, m: int, clusters: int = 3) -> tuple:
    """A balanced ``k``-class dataset: ``m`` points in ``ℝ^n`` (``m/k`` per class), each class
    a union of ``clusters`` Gaussian clusters: ``x = c + 0.6·z`` with the centre ``c`` of a
    random cluster of the class (centres ``N(0, I_n)``) and ``z ~ N(0, I_n)``, all scaled by
    ``1/√(1.36 n)`` so that ``E‖x‖² = 1``. Returns ``(X (m, n), y (m,))`` as NumPy arrays.

    Why a fair stand-in for MNIST/CIFAR10 at this scale: a balanced k-class problem that the
    networks fit to ~100% train accuracy (like the paper's), whose classes are not linearly
    separable (several clusters per class, so the hidden layers must do work), inputs in
    general position (never collinear, as Props. 1-2 assume), and m a small multiple of H.
    """
    if m % k:
        raise ValueError(f"m={m} must be a multiple of k={k} (balanced classes)")
    rng = np.random.default_rng([seed, 7])
    centres = rng.standard_normal((k * clusters, n))
    owner = np.arange(k * clusters) % k  # cluster j belongs to class j mod k
    y = np.repeat(np.arange(k), m // k)
    pick = np.array([rng.choice(np.flatnonzero(owner == c)) for c in y])
    x = centres[pick] + 0.6 * rng.standard_normal((m, n))
    x /= math.sqrt(n * (1 + 0.36))
    order = rng.permutation(m)
    return x[order], y[order]


# -- the network ---------------------------------------------------------------------------


def init_net(net: Net, seed: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """PyTorch's default initialisation of ``nn.Linear`` weights, ``U(−1/√fan_in, 1/√fan_in)``
    (Kaiming-uniform with a = √5), from the run's seed; ``γ_l = 1``, ``β_l = 0``."""
    rng = np.random.default_rng([seed, 11])
    ws = []
    for _, (d_out, d_in) in net.shapes():
        b = 1.0 / math.sqrt(d_in)
        ws.append(rng.uniform(-b, b, size=(d_out, d_in)))
    p = net.n_norms()
    return ws, np.ones(p), np.zeros(p)


def bn_eq5(z: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """Eq. 5 on a batch: ``z`` is ``(R, B, H)`` (run, sample, unit); ``gamma``, ``beta``
    ``(R, 1, 1)``.

    ``b_l`` = the batch mean (gradients flow through it); ``A_l = 1/√(Var + ε)`` with the
    biased batch variance, detached (stop-grad).
    """
    centred = z - z.mean(dim=1, keepdim=True)
    c = centred.detach()  # A_l is detached: no gradient through the variance
    a = torch.rsqrt((c * c).mean(dim=1, keepdim=True) + BN_EPS)
    return torch.addcmul(beta, centred, gamma * a)


def forward(net: Net, ws, gamma, beta, x) -> torch.Tensor:
    """Logits ``(R, B, k)`` of all runs on their batches ``x`` ``(R, B, n)`` (the batch is also
    the batch-norm batch X̃); ``ws[i]`` is ``(R, d_out, d_in)``, ``gamma``/``beta`` ``(R, P)``.
    """
    relu = torch.relu

    def lin(h, w):
        return torch.bmm(h, w.transpose(1, 2))

    def bn(z, j):
        return bn_eq5(z, gamma[:, j, None, None], beta[:, j, None, None])

    if net.arch == "res_bn":
        h = lin(x, ws[0])
        for i in range(net.L):
            w1, w2 = ws[1 + 2 * i], ws[2 + 2 * i]
            u = relu(bn(lin(h, w1), 2 * i))
            h = h + relu(bn(lin(u, w2), 2 * i + 1))
    else:
        h = x
        for i in range(net.L):
            z = lin(h, ws[i])
            h = relu(bn(z, i) if net.bn else z)
    return lin(h, ws[-1])


def losses(net: Net, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-run mean loss over the batch, ``(R,)``: cross-entropy of the logits, or the squared
    loss against the one-hot labels summed over the ``k`` outputs."""
    if net.loss == "ce":
        per = torch.logsumexp(logits, dim=-1) - logits.gather(-1, y[..., None])[..., 0]
    else:
        onehot = torch.nn.functional.one_hot(y, net.k).to(logits.dtype)
        per = ((logits - onehot) ** 2).sum(-1)
    return per.mean(1)


def gradients(net: Net, ws, gamma, beta, x, y) -> list[torch.Tensor]:
    """The gradients of :func:`losses` (summed over runs) with respect to ``[*ws, gamma,
    beta]`` (``gamma``/``beta`` only when the network has batch norm), by a hand-written
    backward pass: the same numbers as autograd on :func:`forward` (tested), at about half
    the cost of autograd's engine at these sizes.

    Batch norm with ``A_l`` detached: ``u = γ·A·(z − mean_B z) + β`` gives ``∂β = Σ ∂u``,
    ``∂γ = Σ ∂u·A·(z − mean_B z)`` and ``∂z = γ·A·(∂u − mean_B ∂u)`` (the mean is
    differentiated through, the variance is not).
    """
    P = net.n_norms()
    grads = [torch.empty_like(w) for w in ws]
    if P:
        grads += [torch.zeros_like(gamma), torch.zeros_like(beta)]
    _Backprop(net, ws, gamma, beta, grads)(x, y, _target(net, y, ws[0].dtype))
    return grads


def _target(net: Net, y: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """What :class:`_Backprop` takes for the labels ``y`` ``(..., B)``: the label indices
    ``(..., B, 1)`` (cross-entropy) or the one-hot targets ``(..., B, k)`` (squared loss)."""
    if net.loss == "ce":
        return y[..., None]
    return torch.nn.functional.one_hot(y, net.k).to(dtype)


class _Backprop:
    """The hand-written backward pass of :func:`gradients`, set up once for a group of runs
    and called once per SGD step: the transposed weights and the per-layer ``γ``/``β``
    columns are views made once (of parameters updated in place), and the gradients are
    written into the given tensors ``grads`` (``[*dW, dγ, dβ]``, the shapes of the
    parameters; views of one flat buffer in :func:`_train_group`). Per step this leaves only
    the arithmetic of the pass, whose operations (and so whose numbers) are those of the
    straightforward implementation; at these sizes the Python and dispatch cost per
    operation, not the arithmetic, is the time of a step."""

    def __init__(self, net: Net, ws, gamma, beta, grads: list[torch.Tensor]) -> None:
        self.net, self.ws = net, list(ws)
        self.wT = [w.transpose(1, 2) for w in self.ws]
        P = net.n_norms()
        self.g = [gamma[:, j, None, None] for j in range(P)]
        self.b = [beta[:, j, None, None] for j in range(P)]
        self.dws = grads[: len(self.ws)]
        self.d_gamma, self.d_beta = (grads[-2], grads[-1]) if P else (None, None)
        self._neg1: torch.Tensor | None = None

    def _bn_fwd(self, z, j):
        """Eq. 5 on ``z`` (consumed: updated in place), with what the backward pass needs."""
        xhat = z.sub_(z.mean(dim=1, keepdim=True))  # centred
        a = torch.rsqrt((xhat * xhat).mean(dim=1, keepdim=True) + BN_EPS)
        xhat.mul_(a)
        return torch.mul(xhat, self.g[j]).add_(self.b[j]), (xhat, a)

    def _bn_bwd(self, du, j, cache):
        """The backward pass of :meth:`_bn_fwd` (``du`` consumed: updated in place)."""
        xhat, a = cache
        self.d_beta[:, j] = du.sum(dim=(1, 2))
        self.d_gamma[:, j] = (du * xhat).sum(dim=(1, 2))
        return du.sub_(du.mean(dim=1, keepdim=True)).mul_(a * self.g[j])

    def __call__(self, x: torch.Tensor, y: torch.Tensor, target: torch.Tensor) -> None:
        """The gradients on the batches ``x`` ``(R, B, n)``, labels ``y`` ``(R, B)`` with
        their :func:`_target`, into ``grads``."""
        net, ws, wT, dws = self.net, self.ws, self.wT, self.dws
        bmm, relu = torch.bmm, torch.relu
        # ReLU's backward, ∂u = ∂h where u > 0 else 0, in one operation (autograd's): the
        # values of ∂h·[u > 0], without its bool-to-float copy (zeros may differ in sign
        # only, which no later operation can tell apart)
        relu_bwd = torch.ops.aten.threshold_backward
        if net.arch == "res_bn":
            h = bmm(x, wT[0])
            hs, caches = [h], []
            for i in range(net.L):
                u1, c1 = self._bn_fwd(bmm(h, wT[1 + 2 * i]), 2 * i)
                v = relu(u1)
                u2, c2 = self._bn_fwd(bmm(v, wT[2 + 2 * i]), 2 * i + 1)
                h = h + relu(u2)
                caches.append((u1, c1, v, u2, c2))
                hs.append(h)
        else:
            hs, caches = [x], []
            h = x
            for i in range(net.L):
                z = bmm(h, wT[i])
                if net.bn:
                    u, c = self._bn_fwd(z, i)
                else:
                    u, c = z, None
                h = relu(u)
                caches.append((u, c))
                hs.append(h)
        out = bmm(h, wT[-1])
        # the loss: mean over the batch, summed over runs
        if net.loss == "ce":
            dout = torch.softmax(out, dim=-1)
            neg1 = self._neg1
            if neg1 is None or neg1.shape != target.shape:
                neg1 = self._neg1 = torch.full(target.shape, -1.0, dtype=dout.dtype)
            dout.scatter_add_(-1, target, neg1)
        else:
            dout = 2.0 * (out - target)
        dout = dout / x.shape[1]
        bmm(dout.transpose(1, 2), hs[-1], out=dws[-1])
        dh = bmm(dout, ws[-1])
        if net.arch == "res_bn":
            for i in reversed(range(net.L)):
                u1, c1, v, u2, c2 = caches[i]
                da2 = self._bn_bwd(relu_bwd(dh, u2, 0), 2 * i + 1, c2)
                bmm(da2.transpose(1, 2), v, out=dws[2 + 2 * i])
                da1 = self._bn_bwd(relu_bwd(bmm(da2, ws[2 + 2 * i]), u1, 0), 2 * i, c1)
                bmm(da1.transpose(1, 2), hs[i], out=dws[1 + 2 * i])
                dh = dh + bmm(da1, ws[1 + 2 * i])
            bmm(dh.transpose(1, 2), x, out=dws[0])
        else:
            for i in reversed(range(net.L)):
                u, c = caches[i]
                du = relu_bwd(dh, u, 0)
                dz = self._bn_bwd(du, i, c) if net.bn else du
                bmm(dz.transpose(1, 2), hs[i], out=dws[i])
                if i:
                    dh = bmm(dz, ws[i])


# -- training --------------------------------------------------------------------------------


def train(
    net: Net,
    runs: Sequence[Run],
    epochs: int,
    *,
    data: tuple[np.ndarray, np.ndarray] | None = None,
    threads: int | None = 1,
    dtype: torch.dtype = torch.float64,
    rank_epochs: Sequence[int] | None = None,
    eval_epochs: Sequence[int] | None = None,
) -> History:
    """Train every run of ``runs`` for ``epochs`` epochs and record the history.

    Runs sharing a batch size are trained together in batched computations (of at most
    :data:`GROUP_SAMPLES` samples per step; a run's numbers do not depend on which runs
    share its computation, bit for bit: every operation acts per run); every run
    takes ``m // B`` steps per epoch, each on the next ``B`` indices of a fresh permutation of
    the training set (drawn from the run's seed). ``data``: one dataset ``(X, y)`` for every
    run; by default each run trains on :func:`mixture_data` of its own seed. ``threads``:
    torch's intra-op threads during the call (1 by default: at these sizes threads cost more
    than they save, and the machine may be shared); restored afterwards. ``dtype``: the
    training precision (ranks are always decided in float64 on the stored weights).
    ``rank_epochs``: the epochs ``t`` (0 to ``epochs``) whose ranks are decided (default:
    all; the SVDs are a large part of the cost when a caller reads only the last epochs);
    the others read rank −1, margin NaN. ``eval_epochs``: likewise the epochs whose train
    loss and accuracy are evaluated (default: all; the others read NaN). Training, the norms
    and ``d`` are the same either way.
    """
    runs = list(runs)
    if not runs:
        raise ValueError("no runs")
    if epochs < 0:
        raise ValueError(f"epochs={epochs} must be >= 0")
    for r in runs:
        if not (1 <= r.B <= net.m) or net.m % r.B:
            raise ValueError(f"batch size {r.B} must divide m = {net.m}")

    def epoch_set(name: str, ts: Sequence[int] | None) -> set[int]:
        every = set(range(epochs + 1))
        if ts is None:
            return every
        chosen = {int(t) for t in ts}
        if not chosen <= every:
            raise ValueError(f"{name} must lie in 0..{epochs}")
        return chosen

    ranked = epoch_set("rank_epochs", rank_epochs)
    evaluated = epoch_set("eval_epochs", eval_epochs)
    datasets: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per seed, made once
    for r in runs:
        if data is None and r.seed not in datasets:
            datasets[r.seed] = mixture_data(r.seed, n=net.n, k=net.k, m=net.m)
    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        by_batch: dict[int, list[int]] = {}
        for i, r in enumerate(runs):
            by_batch.setdefault(r.B, []).append(i)
        groups: dict[tuple[int, int], list[int]] = {}
        for B, ix in by_batch.items():
            n = -(-len(ix) // max(1, GROUP_SAMPLES // B))  # chunks of (nearly) equal size
            for c, part in enumerate(np.array_split(np.array(ix), n)):
                groups[B, c] = [int(i) for i in part]
        parts = {
            g: _train_group(
                net,
                [runs[i] for i in ix],
                epochs,
                [data if data is not None else datasets[runs[i].seed] for i in ix],
                dtype,
                ranked,
                evaluated,
            )
            for g, ix in groups.items()
        }
    finally:
        torch.set_num_threads(old_threads)
    where = {}
    for g, ix in groups.items():
        for j, i in enumerate(ix):
            where[i] = (g, j)

    def gather(key: str) -> np.ndarray:
        return np.stack([parts[where[i][0]][key][where[i][1]] for i in range(len(runs))])

    keys = ("rank", "margin", "norm", "loss", "acc", "d", "steps")
    mats = len(net.shapes())
    return History(
        runs,
        [name for name, _ in net.shapes()],
        net.hidden(),
        *(gather(k) for k in keys),
        weights=[gather(f"W{i}") for i in range(mats)],
        gamma=gather("gamma"),
        beta=gather("beta"),
    )


def _train_group(
    net: Net,
    runs: list[Run],
    epochs: int,
    data: list[tuple[np.ndarray, np.ndarray]],
    dtype: torch.dtype,
    ranked: set[int],
    evaluated: set[int],
) -> dict[str, np.ndarray]:
    """Runs sharing one batch size ``B``, trained in lock step; ``data[i]`` is run ``i``'s
    dataset ``(X, y)``.

    Every parameter (the matrices, then ``γ`` and ``β``) is a view of one flat buffer, and so
    are the gradients and the momentum buffers, so that an SGD step updates all parameters
    with a handful of operations on the flat buffers, with per-element learning rates,
    decays and momenta: elementwise, the same operations (so the same numbers) as one update
    per parameter. The batches of an epoch are gathered once per epoch."""
    R, B = len(runs), runs[0].B
    inits = {}
    for r in runs:
        if r.seed not in inits:
            inits[r.seed] = init_net(net, r.seed)
    X = torch.as_tensor(np.stack([x for x, _ in data]), dtype=dtype)  # (R, m, n)
    Y = torch.as_tensor(np.stack([y for _, y in data]), dtype=torch.int64)  # (R, m)
    P = net.n_norms()
    values = [
        torch.as_tensor(np.stack([inits[r.seed][0][i] for r in runs]), dtype=dtype)
        for i in range(len(net.shapes()))
    ]
    if P:
        values += [
            torch.as_tensor(np.stack([inits[r.seed][j] for r in runs]).reshape(R, P), dtype=dtype)
            for j in (1, 2)
        ]
    sizes = [v.numel() for v in values]
    flat = torch.cat([v.reshape(-1) for v in values])  # the parameters
    grad = torch.zeros_like(flat)
    buf = torch.zeros_like(flat)  # momentum
    tmp = torch.empty_like(flat)

    def views(t: torch.Tensor) -> list[torch.Tensor]:
        return [p.view(v.shape) for p, v in zip(t.split(sizes), values, strict=True)]

    params, grads = views(flat), views(grad)
    M = len(net.shapes())
    ws = params[:M]
    gamma, beta = (params[M], params[M + 1]) if P else (flat.new_zeros(R, 0),) * 2

    def per_element(vals: list[float]) -> torch.Tensor:
        """A per-run scalar for every element of the flat buffer."""
        col = torch.as_tensor(vals, dtype=dtype)
        return torch.cat([col.reshape(R, 1).expand(R, v[0].numel()).reshape(-1) for v in values])

    lr = per_element([r.lr for r in runs])
    wd2 = per_element([2.0 * r.wd for r in runs])
    mu = per_element([r.momentum for r in runs])
    use_momentum = any(r.momentum for r in runs)
    backprop = _Backprop(net, ws, gamma, beta, grads)
    rngs = [np.random.default_rng([r.seed, 13]) for r in runs]
    rows = torch.arange(R)[:, None]
    T = net.m // B

    out = {
        "rank": np.full((R, epochs + 1, M), -1, dtype=np.int64),
        "margin": np.full((R, epochs + 1, M), np.nan),
        "norm": np.zeros((R, epochs + 1, M)),
        "loss": np.full((R, epochs + 1), np.nan),
        "acc": np.full((R, epochs + 1), np.nan),
        "d": np.zeros((R, epochs)),
        "steps": np.full(R, epochs * T, dtype=np.int64),
    }

    by_shape: dict[tuple[int, int], list[int]] = {}
    for i, (_, shp) in enumerate(net.shapes()):
        by_shape.setdefault(shp, []).append(i)

    pending: list[tuple[int, list[torch.Tensor]]] = []

    def decide_ranks() -> None:
        """The ranks of the pending snapshots: one batched decision per matrix shape (one
        kernel call for many epochs costs far less than one call per epoch)."""
        if not pending:
            return
        ts = [t for t, _ in pending]
        for idx in by_shape.values():
            # (R, epochs, matrices, d_out, d_in): the stored weights, decided in float64
            w64 = torch.stack([torch.stack([snap[i] for i in idx], 1) for _, snap in pending], 1)
            dec = normalized_rank(
                w64.to(torch.float64), threshold=RANK_THRESHOLD, return_decision=True
            )
            for k, t in enumerate(ts):
                out["rank"][:, t, idx] = np.asarray(dec.rank)[:, k]
                out["margin"][:, t, idx] = np.asarray(dec.margin)[:, k]
        pending.clear()

    def record(t: int) -> list[torch.Tensor]:
        with torch.no_grad():
            snap = [w.detach().clone() for w in ws]
            for i, w in enumerate(snap):
                out["norm"][:, t, i] = torch.linalg.matrix_norm(w.double()).numpy()
            if t in ranked:
                pending.append((t, snap))
                if len(pending) >= RANK_CHUNK:
                    decide_ranks()
            if t in evaluated:
                # evaluation: batch norm with the statistics of the whole training set
                logits = forward(net, snap, gamma, beta, X)
                out["loss"][:, t] = losses(net, logits, Y).numpy()
                out["acc"][:, t] = (logits.argmax(-1) == Y).to(dtype).mean(1).numpy()
        return snap

    with torch.no_grad():
        prev = record(0)
        for epoch in range(epochs):
            perm = torch.as_tensor(np.stack([g.permutation(net.m) for g in rngs]))  # (R, m)
            # the epoch's batches, (T, R, B, ·): step t takes indices t·B..(t+1)·B of perm
            xe = X[rows, perm].view(R, T, B, -1).transpose(0, 1).contiguous()
            ye = Y[rows, perm].view(R, T, B).transpose(0, 1).contiguous()
            target = _target(net, ye, dtype)
            for t in range(T):
                backprop(xe[t], ye[t], target[t])
                # W ← W − η·v, v ← μ·v + ∇ + 2λW (v = ∇ + 2λW without momentum)
                torch.mul(wd2, flat, out=tmp)
                tmp.add_(grad)
                if use_momentum:
                    buf.mul_(mu).add_(tmp)
                    torch.mul(lr, buf, out=tmp)
                else:
                    tmp.mul_(lr)
                flat.sub_(tmp)
            snap = record(epoch + 1)
            out["d"][:, epoch] = np.mean(
                [
                    torch.linalg.matrix_norm(a.double() - b.double()).numpy()
                    for a, b in zip(snap, prev, strict=True)
                ],
                axis=0,
            )
            prev = snap
    decide_ranks()
    for i, w in enumerate(prev):
        out[f"W{i}"] = w.double().numpy()
    out["gamma"] = gamma.double().numpy().copy()
    out["beta"] = beta.double().numpy().copy()
    return out
