r"""Multilayer networks with piecewise-linear activations and dropout-like noise.

The model of Soudry & Carmon 2016, Section 3 (Eq. 3.1): for samples ``x^(n)`` (the columns
of ``X ∈ R^{d_0 × N}``) and layers ``l = 1, ..., L``,

.. math::
    u_l = W_l v_{l-1}, \quad v_l = \mathrm{diag}(a_l) u_l, \quad v_0 = x,

with ``W_l ∈ R^{d_l × d_{l-1}}``, ``a_L = 1`` and, for ``l ≤ L − 1``, the piecewise-constant
slopes

.. math::
    a_{i,l}^{(n)} = \epsilon_{i,l}^{(n)} \cdot (1 \text{ if } u_{i,l}^{(n)} \ge 0
    \text{ else } s).

``E_l = [ε_l^(1), ..., ε_l^(N)] ∈ R^{d_l × N}`` is the dropout-like multiplicative noise:
``E_l = 1`` is the leaky ReLU with slope ``s``; ``s = 0`` is the ReLU (which the paper's
theory excludes, ``s ≠ 0``, and its experiments use). The output is scalar (``d_L = 1``),
``e = v_L − y`` and ``MSE = ‖e‖² / (2N)`` (Eq. 3.2).

A *problem* is a dict with the paper's names: ``X`` (``d_0 × N``), ``y`` (``N``), ``W``
(``[W_1, ..., W_L]``), ``E`` (``[E_1, ..., E_{L-1}]``) and ``s``. Every function here that
computes with a problem (:func:`activation_slopes`, :func:`piecewise_forward`) works on float
arrays and on NumPy object arrays of ``fractions.Fraction`` alike, so a check built on them
can be re-run exactly. Structure (widths, sample counts, integer entries, which structured
base, the slope) is drawn by Hypothesis and shrinks; continuous values (Gaussian data and
noise, initial weights) come from ``numpy.random.default_rng([seed, role])`` with a drawn
seed and one stream per kind of value (data, noise, weights), so that values drawn together
stay independent even when Hypothesis shrinks their seeds to the same number;
:func:`piecewise_problems` draws a single seed for a whole problem.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra.numpy import arrays

from rankclaims.generators._random import seeds
from rankclaims.generators._validation import (
    check_choice,
    check_integer,
    check_real,
    check_shape,
    is_strategy,
    prepare,
    resolve,
)

__all__ = [
    "DLMResult",
    "activation_patterns",
    "activation_slopes",
    "all_activation_patterns",
    "differentiable_local_minima",
    "dropout_noise",
    "leaky_slopes",
    "piecewise_forward",
    "piecewise_linear_networks",
    "piecewise_problems",
    "smoothed_datasets",
    "train_to_dlm",
]

NOISE_LAWS = ("gaussian", "uniform", "bernoulli", "ones")
INITS = ("uniform", "gaussian", "integer", "negative", "zeros")
DATA_BASES = ("gaussian", "integer", "repeated", "ones", "zeros")
TARGETS = ("gaussian", "sign", "integer")
TRAINABLE = ("all", "last-two")
#: slopes that are binary fractions, so exact re-runs stay small; drawn first (and shrunk to)
DYADIC_SLOPES = (0.5, 0.25, -0.5, 2.0, 0.125, 1.0, -2.0, 0.0625)
#: the most weights times samples ``all_activation_patterns`` enumerates (2**20 patterns)
MAX_PATTERN_ENTRIES = 20
#: integer entries of ``init="integer"`` weights and ``base="integer"`` data lie in [-3, 3]
INTEGER_MAX = 3
#: Each kind of random draw has its own stream, ``default_rng([seed, role])``: Hypothesis
#: shrinks every drawn seed toward 0, and two parts drawn with equal seeds from one stream
#: would be equal (B = C, X's noise = E's noise), a measure-zero coincidence that an
#: "almost everywhere" claim must never be fed. Distinct roles keep the parts independent.
_DATA, _NOISE, _WEIGHTS, _RESTART = 1, 2, 3, 4


def _rng(seed: int, role: int) -> np.random.Generator:
    return np.random.default_rng([seed, role])


# -- the model ----------------------------------------------------------------------------


def activation_slopes(u: Any, epsilon: Any, s: Any) -> np.ndarray:
    """The slopes ``a = ε · (1 if u ≥ 0 else s)`` of Section 3, entrywise.

    ``u`` and ``epsilon`` have the same shape (``d_l × N``); ``s`` is a scalar. Works on
    float arrays and on object arrays of ``Fraction`` (then the result is exact).

    >>> activation_slopes(np.array([[1.0, -2.0]]), np.array([[3.0, 3.0]]), 0.5)
    array([[3. , 1.5]])
    """
    u = np.asarray(u)
    eps = np.asarray(epsilon)
    if u.shape != eps.shape:
        raise ValueError(f"u {u.shape} and epsilon {eps.shape} must have the same shape")
    return np.where(u >= 0, 1, s) * eps


@dataclass(frozen=True)
class Forward:
    """A forward pass: ``u[l-1] = u_l``, ``a[l-1] = a_l`` (``l = 1..L``), ``v[l] = v_l``
    (``l = 0..L``, ``v[0] = X``)."""

    u: list[np.ndarray]
    a: list[np.ndarray]
    v: list[np.ndarray]

    @property
    def output(self) -> np.ndarray:
        """``v_L`` as a vector of length ``N`` (the network has one output)."""
        return self.v[-1][0]


def piecewise_forward(weights: Sequence[Any], noise: Sequence[Any], s: Any, x: Any) -> Forward:
    """The forward pass of Eq. 3.1 for all samples at once.

    ``weights = [W_1, ..., W_L]``, ``noise = [E_1, ..., E_{L-1}]`` (``E_l`` of shape
    ``d_l × N``), ``x = X`` (``d_0 × N``). ``a_L = 1``. Exact on object arrays of fractions.
    """
    if len(noise) != len(weights) - 1:
        raise ValueError(f"{len(weights)} weight matrices need {len(weights) - 1} noise matrices")
    v = np.asarray(x)
    us, As, vs = [], [], [v]
    for layer, w in enumerate(weights, start=1):
        u = np.asarray(w) @ v
        if layer < len(weights):
            a = activation_slopes(u, noise[layer - 1], s)
        else:
            a = np.ones(u.shape, dtype=u.dtype)
        v = a * u
        us.append(u)
        As.append(a)
        vs.append(v)
    return Forward(u=us, a=As, v=vs)


# -- training to a differentiable local minimum ------------------------------------------


@dataclass(frozen=True)
class DLMResult:
    """The end of :func:`train_to_dlm`: the weights and what certifies a DLM.

    ``differentiable``: every hidden input ``u_{i,l}^(n)`` (``l ≤ L − 1``) is at least
    ``1e-6`` times the largest of its layer in magnitude (``min_rel_u``), so the activation
    pattern is constant near the point. ``stationary``: the gradient with respect to the
    trained weights is below ``1e-9`` of its scale ``‖J‖_F ‖e‖ / N``, or ``‖e‖`` is below
    ``1e-12·max(‖y‖, ‖v̄_L‖)``, ``v̄_L`` the output recomputed in absolute values (zero loss
    up to rounding: a global minimum). ``local_min``:
    the smallest Hessian eigenvalue (central differences of the exact gradient inside the pattern's
    region) is at least ``−1e-7`` of the largest (skipped at zero loss, where the Hessian is
    ``JᵀJ/N ⪰ 0``). ``dlm`` is all three.
    """

    weights: list[np.ndarray]
    mse: float
    mse_start: float
    min_rel_u: float
    grad_norm: float
    grad_scale: float
    hess_min: float | None
    steps: int
    differentiable: bool
    stationary: bool
    local_min: bool

    @property
    def dlm(self) -> bool:
        return self.differentiable and self.stationary and self.local_min


def _layers(trainable: str, depth: int) -> list[int]:
    return list(range(1, depth + 1)) if trainable == "all" else [max(1, depth - 1), depth]


def _residual_and_jacobian(weights, noise, s, x, y, layers):
    fw = piecewise_forward(weights, noise, s, x)
    e = fw.output - y
    depth = len(weights)
    delta = [None] * (depth + 1)  # delta[l]: d_l × N, back-propagated to u_l (without e)
    delta[depth] = fw.a[depth - 1]
    for layer in range(depth - 1, 0, -1):
        delta[layer] = fw.a[layer - 1] * (weights[layer].T @ delta[layer + 1])
    n = x.shape[1]
    blocks = [
        (delta[layer][:, None, :] * fw.v[layer - 1][None, :, :]).reshape(-1, n) for layer in layers
    ]
    return fw, e, np.concatenate(blocks, axis=0).T  # J: N × (trained weights)


def _unflatten(weights, layers, flat):
    out = [w.copy() for w in weights]
    i = 0
    for layer in layers:
        w = out[layer - 1]
        out[layer - 1] = flat[i : i + w.size].reshape(w.shape)
        i += w.size
    return out


def _flatten(weights, layers):
    return np.concatenate([weights[layer - 1].ravel() for layer in layers])


def _output_scale(weights, fw: Forward, x) -> float:
    """``‖v̄_L‖``: the output recomputed with ``|W_l|``, ``|a_l|``, ``|x|``, the scale of the
    output's rounding error (a residual below a tiny fraction of it is zero up to rounding,
    even when the targets are 0)."""
    v = np.abs(x)
    for w, a in zip(weights, fw.a, strict=True):
        v = np.abs(a) * (np.abs(w) @ v)
    return float(np.linalg.norm(v))


def _min_rel_u(fw: Forward) -> float:
    worst = math.inf
    for u in fw.u[:-1]:
        top = float(np.max(np.abs(u))) if u.size else 0.0
        if top == 0.0:
            return 0.0
        worst = min(worst, float(np.min(np.abs(u))) / top)
    return worst


def train_to_dlm(
    weights: Sequence[np.ndarray],
    noise: Sequence[np.ndarray],
    s: float,
    x: np.ndarray,
    y: np.ndarray,
    *,
    trainable: str = "all",
    max_steps: int = 200,
) -> DLMResult:
    """Minimise the MSE from ``weights`` to convergence and say whether it ended at a DLM.

    Levenberg-Marquardt (damped Gauss-Newton) on the full batch: the Jacobian of ``e`` is
    computed by back-propagation, each step solves ``(JᵀJ + λI)Δ = −Jᵀe`` (through the smaller
    of the two Gram matrices), λ shrinks after a step that lowers the loss and grows after one
    that does not. It converges quadratically to zero-loss minima and linearly to the others,
    in tens of steps where gradient descent needs thousands (the paper trains with Adam and
    gradient descent; any method that ends at a DLM serves the claims, which are about DLMs).
    ``trainable="last-two"`` trains only ``W_{L-1}`` and ``W_L`` (Theorem 5's setting).

    The result's flags (:class:`DLMResult`) check what Section 6 checks: the loss stopped
    decreasing, and every activation input stayed distinctly away from zero. Cost per step:
    one forward and backward pass and a solve of size ``min(N, trained weights)``.
    """
    trainable = check_choice(trainable, "trainable", TRAINABLE)
    max_steps = check_integer(max_steps, "max_steps", min_value=0)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ws = [np.asarray(w, dtype=np.float64) for w in weights]
    es = [np.asarray(e, dtype=np.float64) for e in noise]
    layers = _layers(trainable, len(ws))
    n = x.shape[1]
    fw, e, jac = _residual_and_jacobian(ws, es, s, x, y, layers)
    loss = float(e @ e)
    loss0 = loss
    # zero loss, up to rounding: the residual is below 1e-12 of the targets' size or of the
    # output's rounding scale (the latter matters when y = 0); recomputed after training
    floor = (1e-12 * max(float(np.linalg.norm(y)), _output_scale(ws, fw, x), 1e-150)) ** 2
    lam = 1e-3 * max(float(np.sum(jac * jac)) / max(jac.shape[1], 1), 1e-300)
    steps = 0
    stall = 0
    while steps < max_steps and loss > floor and stall < 40:
        steps += 1
        g = jac.T @ e
        if jac.shape[0] <= jac.shape[1]:
            step = -jac.T @ np.linalg.solve(jac @ jac.T + lam * np.eye(jac.shape[0]), e)
        else:
            step = -np.linalg.solve(jac.T @ jac + lam * np.eye(jac.shape[1]), g)
        trial = _unflatten(ws, layers, _flatten(ws, layers) + step)
        fw_t, e_t, jac_t = _residual_and_jacobian(trial, es, s, x, y, layers)
        loss_t = float(e_t @ e_t)
        if np.isfinite(loss_t) and loss_t < loss:
            stall = 0 if loss_t < loss * (1 - 1e-12) else stall + 1
            ws, fw, e, jac, loss = trial, fw_t, e_t, jac_t, loss_t
            lam = max(lam / 3, 1e-300)
        else:
            stall += 1
            lam *= 4
    grad = jac.T @ e / n
    grad_norm = float(np.linalg.norm(grad))
    grad_scale = float(np.linalg.norm(jac)) * float(np.linalg.norm(e)) / n
    floor = (1e-12 * max(float(np.linalg.norm(y)), _output_scale(ws, fw, x), 1e-150)) ** 2
    zero_loss = loss <= floor
    stationary = zero_loss or grad_norm <= 1e-9 * max(grad_scale, 1e-300)
    min_rel_u = _min_rel_u(fw)
    differentiable = min_rel_u >= 1e-6
    hess_min = None
    local_min = zero_loss
    if not zero_loss and differentiable:
        hess_min = _hessian_min(ws, es, s, x, y, layers)
        local_min = hess_min is not None and hess_min >= -1e-7
    return DLMResult(
        weights=ws,
        mse=loss / (2 * n),
        mse_start=loss0 / (2 * n),
        min_rel_u=min_rel_u,
        grad_norm=grad_norm,
        grad_scale=grad_scale,
        hess_min=hess_min,
        steps=steps,
        differentiable=differentiable,
        stationary=stationary,
        local_min=local_min,
    )


def _hessian_min(ws, es, s, x, y, layers) -> float | None:
    """Smallest Hessian eigenvalue over the largest in magnitude, by central differences of
    the exact gradient with steps small enough to stay inside the activation region."""
    n = x.shape[1]
    w0 = _flatten(ws, layers)
    fw = piecewise_forward(ws, es, s, x)
    h = 1e-6 * max(1.0, float(np.max(np.abs(w0)))) * max(_min_rel_u(fw), 1e-12)

    def grad(flat):
        trial = _unflatten(ws, layers, flat)
        _, e, jac = _residual_and_jacobian(trial, es, s, x, y, layers)
        return jac.T @ e / n

    cols = []
    for j in range(w0.size):
        d = np.zeros_like(w0)
        d[j] = h
        cols.append((grad(w0 + d) - grad(w0 - d)) / (2 * h))
    hess = np.array(cols)
    hess = (hess + hess.T) / 2
    lam = np.linalg.eigvalsh(hess)
    top = float(np.max(np.abs(lam)))
    return float(lam[0]) / top if top > 0 else 0.0


# -- argument checks ----------------------------------------------------------------------


def _check_widths(value: Any) -> list[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidArgument(f"widths={value!r} must be a list of ints [d_0, d_1, ..., d_L]")
    if len(value) < 2:
        raise InvalidArgument(
            f"widths={value!r} must have at least 2 entries [d_0, ..., d_L] (one weight matrix)"
        )
    return [check_integer(w, f"widths[{i}]", min_value=1) for i, w in enumerate(value)]


def _check_problem_widths(value: Any) -> list[int]:
    widths = _check_widths(value)
    if len(widths) < 3:
        raise InvalidArgument(
            f"widths={value!r} must have at least 3 entries [d_0, d_1, ..., d_L]: the paper's "
            "networks have at least one hidden layer (L >= 2)"
        )
    if widths[-1] != 1:
        raise InvalidArgument(
            f"widths={value!r} must end in 1: the paper's networks have a single output (d_L = 1)"
        )
    return widths


def _check_samples(value: Any) -> int:
    return check_integer(value, "n_samples", min_value=1)


def _check_d0(value: Any) -> int:
    return check_integer(value, "d0", min_value=1)


def _check_slope(value: Any) -> float:
    return check_real(value, "slope")


def _check_sigma(value: Any) -> float:
    return check_real(value, "sigma", min_value=0.0)


def _check_scale(value: Any) -> float:
    return check_real(value, "scale", min_value=0.0)


def _check_p(value: Any) -> float:
    return check_real(value, "p", min_value=0.0, max_value=1.0, exclude_max=True)


def _check_noise_shape(value: Any) -> tuple[int, int]:
    return check_shape(value, "shape", ndim=2, min_side=1)  # type: ignore[return-value]


# -- strategies -----------------------------------------------------------------------------


def leaky_slopes(
    *, min_abs: float = 2.0**-6, max_abs: float = 4.0, allow_negative: bool = True
) -> st.SearchStrategy[float]:
    """Return a strategy for the negative-side slope ``s ≠ 0`` of the activation.

    The paper's hypothesis is only ``s ≠ 0`` (a leaky ReLU has ``0 < s < 1``; ``s = 1`` makes
    the network linear, ``s < 0`` is allowed too). Draws first from the binary fractions
    ``0.5, 0.25, -0.5, 2, 0.125, 1, -2, 0.0625`` within the bounds (exact in rational
    arithmetic; shrinks to ``0.5``), otherwise a float with ``min_abs ≤ |s| ≤ max_abs``.
    ReLU (``s = 0``) is never drawn: pass ``slope=0.0`` to :func:`piecewise_problems`.

    >>> from hypothesis import given
    >>> @given(leaky_slopes(allow_negative=False))
    ... def test(s):
    ...     assert s > 0
    """
    min_abs = check_real(min_abs, "min_abs", min_value=0.0, exclude_min=True)
    max_abs = check_real(max_abs, "max_abs", min_value=0.0, exclude_min=True)
    if min_abs > max_abs:
        raise InvalidArgument(f"min_abs={min_abs} exceeds max_abs={max_abs}")
    if not isinstance(allow_negative, (bool, np.bool_)):
        raise InvalidArgument(f"allow_negative={allow_negative!r} must be a bool")
    dyadic = [
        v for v in DYADIC_SLOPES if min_abs <= abs(v) <= max_abs and (allow_negative or v > 0)
    ]
    magnitude = st.floats(min_abs, max_abs, allow_nan=False, allow_infinity=False)
    signed = (
        st.tuples(st.booleans(), magnitude).map(lambda t: -t[1] if t[0] else t[1])
        if allow_negative
        else magnitude
    )
    return st.one_of(st.sampled_from(dyadic), signed) if dyadic else signed


def dropout_noise(
    shape: tuple[int, int] | st.SearchStrategy[tuple[int, int]],
    *,
    law: str = "gaussian",
    sigma: float | st.SearchStrategy[float] = 0.5,
    p: float | st.SearchStrategy[float] = 0.5,
) -> st.SearchStrategy[np.ndarray]:
    """Return a strategy for the multiplicative noise ``E_l`` of Eq. 3.1 (``d_l × N``).

    * ``"gaussian"``: entries iid ``N(1, sigma²)`` (continuous dropout; the paper's results
      hold with probability one for i.i.d. Gaussian ``E_l``);
    * ``"uniform"``: iid uniform with mean 1 and standard deviation ``sigma``;
    * ``"bernoulli"``: iid ``Bernoulli(1 − p)`` in ``{0, 1}`` (the usual discrete dropout, not
      absolutely continuous: "almost everywhere" says nothing about it);
    * ``"ones"``: ``E_l = 1``, no dropout (the plain leaky ReLU).

    Hypothesis draws the shape and ``sigma``/``p`` (when strategies), then a seed; the entries
    follow the law (``numpy.random.default_rng(seed)``). float64. Cost: one draw per entry.

    >>> from hypothesis import given
    >>> @given(dropout_noise((3, 5), law="bernoulli", p=0.2))
    ... def test(e):
    ...     assert set(e.ravel()) <= {0.0, 1.0}
    """
    shape = prepare(shape, _check_noise_shape)
    law = check_choice(law, "law", NOISE_LAWS)
    sigma = prepare(sigma, _check_sigma)
    p = prepare(p, _check_p)
    return _dropout_noise(shape, law, sigma, p)


def _noise_values(rng: np.random.Generator, shape, law: str, sigma: float, p: float):
    if law == "ones":
        return np.ones(shape)
    if law == "gaussian":
        return 1.0 + sigma * rng.standard_normal(shape)
    if law == "uniform":
        return 1.0 + sigma * math.sqrt(3.0) * rng.uniform(-1.0, 1.0, shape)
    return (rng.random(shape) < 1.0 - p).astype(np.float64)


@st.composite
def _dropout_noise(draw, shape, law, sigma, p) -> np.ndarray:
    shape = resolve(draw, shape, _check_noise_shape)
    sigma = resolve(draw, sigma, _check_sigma)
    p = resolve(draw, p, _check_p)
    if law == "ones":
        return np.ones(shape)
    return _noise_values(_rng(draw(seeds()), _NOISE), shape, law, sigma, p)


def activation_patterns(
    shape: tuple[int, int] | st.SearchStrategy[tuple[int, int]], *, s: float
) -> st.SearchStrategy[np.ndarray]:
    """Return a strategy for activation patterns: ``d_l × N`` matrices with entries in
    ``{1, s}`` (the slope's sign factor; ``A^p_l = E_l ⊙ pattern``, appendix notation).

    Every entry is chosen by Hypothesis, so patterns shrink to all ones (every unit active).

    >>> from hypothesis import given
    >>> @given(activation_patterns((2, 3), s=0.5))
    ... def test(c):
    ...     assert set(c.ravel()) <= {1.0, 0.5}
    """
    shape = prepare(shape, _check_noise_shape)
    s = _check_slope(s)
    return _activation_patterns(shape, s)


@st.composite
def _activation_patterns(draw, shape, s) -> np.ndarray:
    shape = resolve(draw, shape, _check_noise_shape)
    negative = draw(arrays(np.bool_, shape))
    return np.where(negative, s, 1.0)


def all_activation_patterns(shape: tuple[int, int], *, s: float) -> np.ndarray:
    """Every activation pattern of a ``d × N`` layer: shape ``(2**(d N), d, N)``, entries
    ``{1, s}`` (pattern ``0`` is all ones).

    ``d·N`` is at most 20. Lemma 3's "simultaneously for every w" ranges over these: every
    weight vector realises one of them.
    """
    d, n = _check_noise_shape(shape)
    s = _check_slope(s)
    if d * n > MAX_PATTERN_ENTRIES:
        raise InvalidArgument(
            f"shape={shape} has {d * n} entries: more than {MAX_PATTERN_ENTRIES} "
            f"(2**{d * n} patterns) is too many to enumerate"
        )
    bits = np.array(list(itertools.product((False, True), repeat=d * n)), dtype=bool)
    return np.where(bits, s, 1.0).reshape(-1, d, n)


def piecewise_linear_networks(
    *,
    widths: Sequence[int] | st.SearchStrategy[Sequence[int]],
    init: str = "uniform",
    scale: float | st.SearchStrategy[float] | None = None,
) -> st.SearchStrategy[list[np.ndarray]]:
    """Return a strategy for weights ``[W_1, ..., W_L]``, ``W_l`` of shape ``(d_l, d_{l-1})``.

    Initialisations:

    * ``"uniform"``: uniform with mean zero and variance ``2/d_{l-1}`` (the paper's Section 6,
      after He et al.), times ``scale`` (default 1);
    * ``"gaussian"``: ``N(0, 2/d_{l-1})`` times ``scale``;
    * ``"integer"``: integers in ``[-3, 3]`` drawn by Hypothesis (adversarial weights that
      shrink toward ``0``, the point where every ``u`` vanishes);
    * ``"negative"``: every entry negative (``−|uniform|`` minus a small offset, times
      ``scale``): the paper's Section 6 example of a network without dropout whose last
      hidden slopes can be constant;
    * ``"zeros"``: ``w = 0``, the fragile critical point of Section 5.

    float64. Cost: one draw per weight.

    >>> from hypothesis import given
    >>> @given(piecewise_linear_networks(widths=[3, 4, 1], init="negative"))
    ... def test(ws):
    ...     assert all((w < 0).all() for w in ws)
    """
    widths = prepare(widths, _check_widths)
    init = check_choice(init, "init", INITS)
    scale = prepare(scale, lambda v: None if v is None else _check_scale(v))
    if init in ("integer", "zeros") and scale is not None:
        raise InvalidArgument(f"scale={scale!r} does not apply to init={init!r}")
    return _piecewise_linear_networks(widths, init, scale)


def _draw_weights(draw, widths, init, scale, seed=None) -> list[np.ndarray]:
    shapes = [(d_out, d_in) for d_in, d_out in itertools.pairwise(widths)]
    if init == "zeros":
        return [np.zeros(shape) for shape in shapes]
    if init == "integer":
        elements = st.integers(-INTEGER_MAX, INTEGER_MAX)
        return [draw(arrays(np.int64, shape, elements=elements)).astype(float) for shape in shapes]
    rng = _rng(draw(seeds()) if seed is None else seed, _WEIGHTS)
    gain = 1.0 if scale is None else scale
    out = []
    for d_out, d_in in shapes:
        std = math.sqrt(2.0 / d_in)
        if init == "gaussian":
            w = std * rng.standard_normal((d_out, d_in))
        else:
            w = std * math.sqrt(3.0) * rng.uniform(-1.0, 1.0, (d_out, d_in))
            if init == "negative":
                w = -np.abs(w) - 0.05 * std
        out.append(gain * w)
    return out


@st.composite
def _piecewise_linear_networks(draw, widths, init, scale) -> list[np.ndarray]:
    widths = resolve(draw, widths, _check_widths)
    scale = resolve(draw, scale, lambda v: None if v is None else _check_scale(v))
    return _draw_weights(draw, widths, init, scale)


def smoothed_datasets(
    *,
    d0: int | st.SearchStrategy[int],
    n_samples: int | st.SearchStrategy[int],
    scale: float | st.SearchStrategy[float] = 1e-2,
    base: str | None = None,
    targets: str = "gaussian",
) -> st.SearchStrategy[dict[str, np.ndarray]]:
    """Return a strategy for data ``{"X": d_0 × N, "y": N}``: a structured base plus noise.

    The smoothed analysis of the paper: ``X = X_0 + scale · G``, ``G`` iid ``N(0, 1)``, for a
    base ``X_0`` that may be as degenerate as Hypothesis likes: ``"gaussian"`` (already
    generic), ``"integer"`` (entries in ``[-3, 3]`` drawn by Hypothesis, repeated columns and
    zeros included; shrinks to ``0``), ``"repeated"`` (one integer column repeated ``N``
    times), ``"ones"``, ``"zeros"``; ``base=None`` lets Hypothesis choose among them.
    ``scale = 0`` keeps the base exactly (structured inputs). Targets ``y``: ``"gaussian"``
    (iid ``N(0, 1)``), ``"sign"`` (``±1`` with probability 1/2, Section 6's synthetic data),
    ``"integer"`` (in ``[-3, 3]``, drawn by Hypothesis).

    >>> from hypothesis import given
    >>> @given(smoothed_datasets(d0=3, n_samples=5, base="repeated", scale=1e-3))
    ... def test(data):
    ...     assert data["X"].shape == (3, 5) and data["y"].shape == (5,)
    """
    d0 = prepare(d0, _check_d0)
    n_samples = prepare(n_samples, _check_samples)
    scale = prepare(scale, _check_scale)
    if base is not None:
        base = check_choice(base, "base", DATA_BASES)
    targets = check_choice(targets, "targets", TARGETS)
    return _smoothed_datasets(d0, n_samples, scale, base, targets)


def _draw_data(draw, d0, n, scale, base, targets, seed=None):
    kind = base if base is not None else draw(st.sampled_from(DATA_BASES))
    ints = st.integers(-INTEGER_MAX, INTEGER_MAX)
    if kind == "integer":
        x0 = draw(arrays(np.int64, (d0, n), elements=ints)).astype(float)
    elif kind == "repeated":
        x0 = np.repeat(draw(arrays(np.int64, (d0, 1), elements=ints)).astype(float), n, axis=1)
    elif kind == "ones":
        x0 = np.ones((d0, n))
    else:
        x0 = np.zeros((d0, n))
    if targets == "integer":
        y = draw(arrays(np.int64, n, elements=ints)).astype(float)
    rng = _rng(draw(seeds()) if seed is None else seed, _DATA)
    if kind == "gaussian":
        x0 = rng.standard_normal((d0, n))
    x = x0 + scale * rng.standard_normal((d0, n)) if scale > 0 else x0
    if targets == "gaussian":
        y = rng.standard_normal(n)
    elif targets == "sign":
        y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return {"X": x, "y": y}


@st.composite
def _smoothed_datasets(draw, d0, n_samples, scale, base, targets) -> dict[str, np.ndarray]:
    d0 = resolve(draw, d0, _check_d0)
    n = resolve(draw, n_samples, _check_samples)
    scale = resolve(draw, scale, _check_scale)
    return _draw_data(draw, d0, n, scale, base, targets)


def piecewise_problems(
    *,
    widths: Sequence[int] | st.SearchStrategy[Sequence[int]],
    n_samples: int | st.SearchStrategy[int],
    noise: str = "gaussian",
    sigma: float | st.SearchStrategy[float] = 0.5,
    p: float | st.SearchStrategy[float] = 0.5,
    slope: float | st.SearchStrategy[float] | None = None,
    init: str = "uniform",
    data_scale: float | st.SearchStrategy[float] = 1e-2,
    data_base: str | None = None,
    targets: str = "gaussian",
) -> st.SearchStrategy[dict[str, Any]]:
    """Return a strategy for a whole training problem ``{"X", "y", "W", "E", "s"}``.

    ``widths = [d_0, d_1, ..., d_L]`` with ``L ≥ 2`` and ``d_L = 1`` (one output, as in the
    paper); ``N = n_samples``. Hypothesis draws, in this order (so examples shrink toward
    small, simple problems): the widths and ``N`` (when strategies), the slope ``s``
    (:func:`leaky_slopes` unless given; ``slope=0.0`` is the ReLU), the data
    (:func:`smoothed_datasets` with ``data_scale``, ``data_base``, ``targets``), the noise
    ``E_1, ..., E_{L-1}`` (:func:`dropout_noise` with ``noise``, ``sigma``, ``p``) and the
    weights (:func:`piecewise_linear_networks` with ``init``).

    >>> from hypothesis import given
    >>> @given(piecewise_problems(widths=[2, 3, 1], n_samples=4, noise="ones"))
    ... def test(pb):
    ...     assert [w.shape for w in pb["W"]] == [(3, 2), (1, 3)] and pb["E"][0].shape == (3, 4)
    """
    widths = prepare(widths, _check_problem_widths)
    n_samples = prepare(n_samples, _check_samples)
    noise = check_choice(noise, "noise", NOISE_LAWS)
    sigma = prepare(sigma, _check_sigma)
    p = prepare(p, _check_p)
    slope = leaky_slopes() if slope is None else prepare(slope, _check_slope)
    init = check_choice(init, "init", INITS)
    data_scale = prepare(data_scale, _check_scale)
    if data_base is not None:
        data_base = check_choice(data_base, "data_base", DATA_BASES)
    targets = check_choice(targets, "targets", TARGETS)
    return _piecewise_problems(
        widths, n_samples, noise, sigma, p, slope, init, data_scale, data_base, targets
    )


@st.composite
def _piecewise_problems(
    draw, widths, n_samples, noise, sigma, p, slope, init, data_scale, data_base, targets
) -> dict[str, Any]:
    widths = resolve(draw, widths, _check_problem_widths)
    n = resolve(draw, n_samples, _check_samples)
    s = resolve(draw, slope, _check_slope)
    data_scale = resolve(draw, data_scale, _check_scale)
    sigma = resolve(draw, sigma, _check_sigma)
    p = resolve(draw, p, _check_p)
    seed = draw(seeds())  # one seed, one independent stream per part
    data = _draw_data(draw, widths[0], n, data_scale, data_base, targets, seed)
    if noise == "ones":
        noises = [np.ones((d, n)) for d in widths[1:-1]]
    else:
        rng = _rng(seed, _NOISE)
        noises = [_noise_values(rng, (d, n), noise, sigma, p) for d in widths[1:-1]]
    weights = _draw_weights(draw, widths, init, None, seed)
    return {"X": data["X"], "y": data["y"], "W": weights, "E": noises, "s": float(s)}


def differentiable_local_minima(
    problems: st.SearchStrategy[dict[str, Any]],
    *,
    trainable: str = "all",
    max_steps: int = 200,
    restarts: int = 3,
) -> st.SearchStrategy[dict[str, Any]]:
    """Return a strategy for problems whose weights were trained to convergence.

    Each problem drawn from ``problems`` (:func:`piecewise_problems`) is trained by
    :func:`train_to_dlm` from its drawn weights (``trainable="last-two"``: only ``W_{L-1}``
    and ``W_L``). Training can end at a kink, where some ``u`` converges to zero (Section 6
    saw this too); such an end point is no DLM, so the run restarts from it, perturbed by
    Gaussian noise of a tenth of each layer's scale (from a drawn seed), at most ``restarts``
    times. The dict gains ``W_0`` (the weights the last run started from) and ``W`` becomes
    the trained weights. Nothing is filtered: whether the end point is a differentiable
    local minimum is for the caller to check (a claim's premise), since the last run may
    still end at a kink. Cost: up to ``(restarts + 1) · max_steps`` Levenberg-Marquardt steps
    (each a forward/backward pass and a small solve); a few milliseconds at the claims' sizes.

    >>> from hypothesis import given
    >>> @given(differentiable_local_minima(piecewise_problems(widths=[2, 3, 1], n_samples=4)))
    ... def test(pb):
    ...     assert len(pb["W_0"]) == len(pb["W"]) == 2
    """
    if not is_strategy(problems):
        raise InvalidArgument(
            f"problems={problems!r} must be a strategy of problems (see piecewise_problems)"
        )
    trainable = check_choice(trainable, "trainable", TRAINABLE)
    max_steps = check_integer(max_steps, "max_steps", min_value=0)
    restarts = check_integer(restarts, "restarts", min_value=0)
    return _differentiable_local_minima(problems, trainable, max_steps, restarts)


@st.composite
def _differentiable_local_minima(draw, problems, trainable, max_steps, restarts):
    pb = draw(problems)
    rng = _rng(draw(seeds()), _RESTART)
    start = [np.array(w, dtype=np.float64) for w in pb["W"]]
    layers = _layers(trainable, len(start))
    for attempt in range(restarts + 1):
        res = train_to_dlm(
            start, pb["E"], pb["s"], pb["X"], pb["y"], trainable=trainable, max_steps=max_steps
        )
        if res.dlm or attempt == restarts:
            break
        start = [w.copy() for w in res.weights]
        for layer in layers:
            w = start[layer - 1]
            size = float(np.sqrt(np.mean(w * w))) or 1.0
            start[layer - 1] = w + 0.1 * size * rng.standard_normal(w.shape)
    out = dict(pb)
    out["W_0"] = start
    out["W"] = res.weights
    return out
