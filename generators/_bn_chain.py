"""The batch-normalised chain of Daneshmand et al. 2020 and the products it is compared with.

H. Daneshmand, J. Kohler, F. Bach, T. Hofmann, A. Lucchi, *Batch Normalization Provably
Avoids Rank Collapse for Randomly Initialised Deep Networks*, NeurIPS 2020
(``shared/papers/004_f99a5d3945bf8e67.txt``).

.. math::

    H_{\\ell+1} = \\mathrm{BN}(H_\\ell + \\gamma W_\\ell H_\\ell), \\quad H_0 = X, \\qquad
    \\mathrm{BN}(H) = \\mathrm{diag}(M(H))^{-1/2} H, \\quad M(H) = H H^\\top / N

(Eq. 1-2 with α = 0, β = 1 and no mean correction: every row of ``BN(H)`` has norm √N).
``γ = inf`` is the network without skip connection, ``H_{ℓ+1} = BN(W_ℓ H_ℓ)``. The vanilla
residual network of Eq. 6 is ``Ĥ_ℓ = B_ℓ X``, ``B_ℓ = ∏(I + γ W_k)``.

Everything is batched over independent runs: the state is a stack ``(runs, d, N)`` and each
layer is one batched matrix product, so long chains (depth in the thousands, widths of a few
hundred) cost ``depth`` products of ``(runs, d, d) @ (runs, d, N)``. The weights come from
``numpy.random.default_rng(seed)``; Hypothesis draws only the structure (width, batch, γ,
law, depth, seed) through :func:`bn_chain_settings` and :func:`weight_laws`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from rankclaims.generators._random import seeds
from rankclaims.generators._validation import (
    check_array,
    check_choice,
    check_dtype,
    check_integer,
    check_real,
    is_strategy,
)

__all__ = [
    "ACTIVATIONS",
    "WEIGHT_LAWS",
    "WeightLaw",
    "batch_norm",
    "bn_chain",
    "bn_chain_settings",
    "bn_states",
    "correlation_matrices",
    "full_rank_inputs",
    "nearly_collinear_inputs",
    "second_moment",
    "vanilla_chain",
    "weight_law",
    "weight_laws",
]

#: Names of the weight laws (``"three-point:B"`` takes its bound, e.g. ``"three-point:9"``).
WEIGHT_LAWS = (
    "gaussian",
    "uniform",
    "triangular",
    "rademacher",
    "three-point",
    "asymmetric-uniform",
    "pytorch-uniform",
)
ACTIVATIONS = ("linear", "relu")
_SQRT3 = math.sqrt(3.0)
_SQRT6 = math.sqrt(6.0)


@dataclass(frozen=True)
class WeightLaw:
    """The law of the entries of ``W_ℓ``.

    ============================  ==========================================  ===============
    name                          entries                                     Def. 1?
    ============================  ==========================================  ===============
    ``gaussian``                  N(0, 1)                                     yes (unbounded)
    ``uniform``                   U[−√3, √3] (Lemma 3 b)                      yes, B = √3
    ``triangular``                symmetric triangular on [−√6, √6]           yes, B = √6
    ``rademacher``                ±1 with probability 1/2                     no density, B = 1
    ``three-point:B``             ±B w.p. 1/(2B²) each, 0 otherwise (B ≥ 1)   no density, B
    ``asymmetric-uniform``        U[0, 2/√d] ("breaking batch norm", Sec. 4)  no: mean > 0
    ``pytorch-uniform``           U[−1/√d, 1/√d] (PyTorch's default)          variance 1/(3d)
    ============================  ==========================================  ===============

    ``d`` is the fan-in (the last axis of the sampled shape). ``three-point:B`` has zero mean
    and unit variance for every ``B ≥ 1``; with ``B > 8`` a row of ``(I + γW)s`` can flip its
    sign even for ``γ = 1/(8d)``, which the counterexamples to Lemmas 5 and 6 use.
    """

    name: str
    bound_param: float | None = None

    @property
    def spec(self) -> str:
        """The string naming this law (``weight_law(spec)`` gives it back)."""
        if self.name == "three-point":
            b = self.bound_param
            return f"three-point:{int(b) if float(b).is_integer() else b!r}"
        return self.name

    def __str__(self) -> str:
        return self.spec

    # -- moments and support ------------------------------------------------------------
    def bound(self, d: int = 1) -> float | None:
        """``B`` with support in ``[−B, B]`` (for fan-in ``d``), or None when unbounded."""
        return {
            "gaussian": None,
            "uniform": _SQRT3,
            "triangular": _SQRT6,
            "rademacher": 1.0,
            "three-point": self.bound_param,
            "asymmetric-uniform": 2.0 / math.sqrt(d),
            "pytorch-uniform": 1.0 / math.sqrt(d),
        }[self.name]

    def mean(self, d: int = 1) -> float:
        return 1.0 / math.sqrt(d) if self.name == "asymmetric-uniform" else 0.0

    def variance(self, d: int = 1) -> float:
        if self.name in ("asymmetric-uniform", "pytorch-uniform"):
            return 1.0 / (3.0 * d)
        return 1.0

    @property
    def symmetric(self) -> bool:
        """The law of w equals the law of −w (Def. 1)."""
        return self.name != "asymmetric-uniform"

    @property
    def has_density(self) -> bool:
        return self.name not in ("rademacher", "three-point")

    @property
    def standard(self) -> bool:
        """Def. 1: zero mean, unit variance, symmetric density."""
        return self.symmetric and self.has_density and self.name != "pytorch-uniform"

    def atoms(self) -> list[tuple[Fraction, Fraction]] | None:
        """``(value, probability)`` pairs of a discrete law, exactly; None otherwise."""
        if self.name == "rademacher":
            return [(Fraction(-1), Fraction(1, 2)), (Fraction(1), Fraction(1, 2))]
        if self.name == "three-point":
            b = Fraction(self.bound_param)
            p = 1 / (2 * b * b)
            return [(-b, p), (Fraction(0), 1 - 2 * p), (b, p)]
        return None

    # -- sampling ---------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, shape: tuple[int, ...], dtype: Any = np.float64):
        """iid entries of this law, ``shape[-1]`` being the fan-in ``d``."""
        d = shape[-1]
        if self.name == "gaussian":
            w = rng.standard_normal(shape)
        elif self.name == "uniform":
            w = rng.uniform(-_SQRT3, _SQRT3, shape)
        elif self.name == "triangular":
            w = rng.triangular(-_SQRT6, 0.0, _SQRT6, shape)
        elif self.name == "rademacher":
            w = rng.choice(np.array([-1.0, 1.0]), size=shape)
        elif self.name == "three-point":
            b = float(self.bound_param)
            u = rng.random(shape)
            p = 1.0 / (2.0 * b * b)
            w = np.where(u < p, -b, np.where(u < 2 * p, b, 0.0))
        elif self.name == "asymmetric-uniform":
            w = rng.uniform(0.0, 2.0 / math.sqrt(d), shape)
        else:  # pytorch-uniform
            w = rng.uniform(-1.0 / math.sqrt(d), 1.0 / math.sqrt(d), shape)
        return np.asarray(w, dtype=dtype)


_THREE_POINT = re.compile(r"three-point:([0-9]+(?:\.[0-9]*)?)$")


def weight_law(spec: str | WeightLaw) -> WeightLaw:
    """The :class:`WeightLaw` named by ``spec`` (``"gaussian"``, ``"three-point:9"``, ...)."""
    if isinstance(spec, WeightLaw):
        return spec
    if not isinstance(spec, str):
        raise InvalidArgument(
            f"law={spec!r} must be a string such as 'gaussian' or 'three-point:9'"
        )
    m = _THREE_POINT.match(spec)
    if m:
        b = float(m.group(1))
        if not (math.isfinite(b) and b >= 1.0):
            raise InvalidArgument(f"law={spec!r}: the three-point bound B must be >= 1")
        return WeightLaw("three-point", b)
    if spec == "three-point":
        raise InvalidArgument("law='three-point' needs its bound, e.g. 'three-point:9'")
    check_choice(spec, "law", [n for n in WEIGHT_LAWS if n != "three-point"])
    return WeightLaw(spec)


# -- the BN operator and the chains ------------------------------------------------------


def second_moment(h: Any) -> np.ndarray:
    """``M(H) = H Hᵀ / N`` for ``h`` of shape ``(..., d, N)``."""
    h = np.asarray(h)
    return h @ np.swapaxes(h, -1, -2) / h.shape[-1]


def batch_norm(h: Any) -> np.ndarray:
    """``BN_{0,1}(H) = diag(M(H))^{-1/2} H`` (Eq. 2, α = 0, β = 1, no mean correction).

    Every row is divided by its root mean square, so every row of the result has norm √N.
    Batched over leading dimensions. A zero row has no normalisation (0/0): raises
    ``FloatingPointError``.
    """
    h = np.asarray(h)
    ms = np.mean(h * h, axis=-1, keepdims=True)
    if not np.all(ms > 0):
        raise FloatingPointError("batch_norm: a row of H is zero (BN divides by its norm)")
    return h / np.sqrt(ms)


def _check_gamma(value: Any) -> float:
    if isinstance(value, (int, float)) and value == math.inf:
        return math.inf
    return check_real(value, "gamma", min_value=0.0, exclude_min=True)


def _prepare_chain(x, gamma, depth, law, seed, rng, runs, activation, dtype):
    x = check_array(x, "x")
    if x.ndim not in (2, 3):
        raise InvalidArgument(f"x (shape {x.shape}) must be (d, N) or a stack (runs, d, N)")
    if x.shape[-1] < 1 or x.shape[-2] < 1:
        raise InvalidArgument(f"x (shape {x.shape}) must have d >= 1 rows and N >= 1 columns")
    gamma = _check_gamma(gamma)
    depth = check_integer(depth, "depth", min_value=0)
    law = weight_law(law)
    activation = check_choice(activation, "activation", ACTIVATIONS)
    dtype = check_dtype(dtype, "dtype", (np.float32, np.float64))
    if (seed is None) == (rng is None):
        raise InvalidArgument("give exactly one of seed= (an int) and rng= (a numpy Generator)")
    if rng is None:
        seed = check_integer(seed, "seed", min_value=0, max_value=2**32 - 1)
        rng = np.random.default_rng(seed)
    elif not isinstance(rng, np.random.Generator):
        raise InvalidArgument(f"rng={rng!r} must be a numpy.random.Generator")
    if runs is not None:
        runs = check_integer(runs, "runs", min_value=1)
        if x.ndim == 3 and x.shape[0] != runs:
            raise InvalidArgument(f"runs={runs} disagrees with the stack x of shape {x.shape}")
    if x.ndim == 2:
        x = np.broadcast_to(x, (runs or 1, *x.shape))
    return np.array(x, dtype=dtype), gamma, depth, law, rng, activation, dtype


def bn_chain(
    x: Any,
    *,
    gamma: float,
    depth: int,
    law: str | WeightLaw = "gaussian",
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    runs: int | None = None,
    activation: str = "linear",
    dtype: Any = np.float64,
    observe: Callable[[int, np.ndarray], None] | None = None,
) -> np.ndarray:
    """Run the chain ``H_{ℓ+1} = φ(BN(H_ℓ + γ W_ℓ H_ℓ))`` for ``depth`` layers; return
    ``H_depth``, shape ``(runs, d, N)``.

    ``x`` is ``X = H_0``, ``(d, N)`` (the same for every run) or a stack ``(runs, d, N)``.
    ``gamma = math.inf`` drops the skip connection: ``H_{ℓ+1} = φ(BN(W_ℓ H_ℓ))``. ``φ`` is
    the identity (``activation="linear"``, the chain of the paper's theory) or ReLU (the
    networks of its Figure 2, BN then ReLU). The weights ``W_ℓ`` are drawn iid from ``law``
    with ``numpy.random.default_rng(seed)`` (or the given ``rng``), one ``(runs, d, d)``
    stack per layer; ``observe(ℓ, H_ℓ)``, when given, sees every state ``ℓ = 1..depth``
    (don't keep the array without copying it). Cost per layer: one batched product,
    ``2·runs·d²·N`` flops, and ``runs·d²`` draws.

    >>> h = bn_chain(np.eye(3), gamma=0.5, depth=10, seed=0, runs=4)
    >>> h.shape, bool(np.allclose((h * h).mean(axis=-1), 1.0))
    ((4, 3, 3), True)
    """
    h, gamma, depth, law, rng, activation, dtype = _prepare_chain(
        x, gamma, depth, law, seed, rng, runs, activation, dtype
    )
    r, d, _ = h.shape
    for layer in range(1, depth + 1):
        w = law.sample(rng, (r, d, d), dtype)
        z = w @ h if gamma == math.inf else h + gamma * (w @ h)
        h = batch_norm(z)
        if activation == "relu":
            h = np.maximum(h, 0.0)
        if observe is not None:
            observe(layer, h)
    return h


def vanilla_chain(
    x: Any,
    *,
    gamma: float,
    depth: int,
    law: str | WeightLaw = "gaussian",
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    runs: int | None = None,
    activation: str = "linear",
    dtype: Any = np.float64,
    observe: Callable[[int, np.ndarray], None] | None = None,
) -> np.ndarray:
    """The network without normalisation, ``H_{ℓ+1} = φ((I + γW_ℓ) H_ℓ)`` (Eq. 6 when φ is
    the identity: ``Ĥ_ℓ = B_ℓ X``, ``B_ℓ = (I + γW_ℓ) ⋯ (I + γW_1)``), or
    ``φ(W_ℓ H_ℓ)`` for ``gamma = math.inf`` (a plain MLP).

    Each state is rescaled by a power of two to keep its largest entry in ``[1, 2)``, which
    changes neither its rank nor its direction (the paper's ``H̃_ℓ = B_ℓX/‖B_ℓ‖`` is the same
    matrix up to a positive factor) and avoids overflow on long chains. Same arguments and
    cost as :func:`bn_chain`; returns the rescaled ``H_depth``.
    """
    h, gamma, depth, law, rng, activation, dtype = _prepare_chain(
        x, gamma, depth, law, seed, rng, runs, activation, dtype
    )
    r, d, _ = h.shape
    for layer in range(1, depth + 1):
        w = law.sample(rng, (r, d, d), dtype)
        h = w @ h if gamma == math.inf else h + gamma * (w @ h)
        if activation == "relu":
            h = np.maximum(h, 0.0)
        top = np.max(np.abs(h), axis=(-2, -1), keepdims=True)
        _, e = np.frexp(np.where(top > 0, top, 1.0))
        h = np.ldexp(h, (1 - e).astype(np.int32))
        if observe is not None:
            observe(layer, h)
    return h


# -- inputs ------------------------------------------------------------------------------


def full_rank_inputs(d: int, n: int, rng: np.random.Generator, *, runs: int | None = None):
    """Gaussian ``X`` (``(d, N)``, or ``(runs, d, N)``): full rank with probability one."""
    d = check_integer(d, "d", min_value=1)
    n = check_integer(n, "N", min_value=1)
    shape = (d, n) if runs is None else (check_integer(runs, "runs", min_value=1), d, n)
    return rng.standard_normal(shape)


def nearly_collinear_inputs(
    d: int, n: int, eps: float, rng: np.random.Generator, *, runs: int | None = None
):
    """``X = u vᵀ + ε G``: nearly collinear columns (Fig. 3 b). ``M(X)`` has one eigenvalue
    of order ``d`` and the others of order ``ε²``; ``u, v, G`` Gaussian, one ``u vᵀ`` shared
    by all runs, ``G`` drawn per run."""
    d = check_integer(d, "d", min_value=1)
    n = check_integer(n, "N", min_value=1)
    eps = check_real(eps, "eps", min_value=0.0)
    u = rng.standard_normal((d, 1))
    v = rng.standard_normal((1, n))
    shape = (d, n) if runs is None else (check_integer(runs, "runs", min_value=1), d, n)
    return u @ v + eps * rng.standard_normal(shape)


# -- strategies ---------------------------------------------------------------------------


def weight_laws(
    *,
    symmetric: bool | None = None,
    bounded: bool | None = None,
    density: bool | None = None,
    unit_variance: bool | None = True,
    max_three_point_bound: int = 12,
) -> st.SearchStrategy[WeightLaw]:
    """Return a strategy for :class:`WeightLaw` values meeting the filters (None: either).

    Shrinks toward ``gaussian``, then ``uniform``. ``three-point:B`` laws draw ``B`` from
    the integers ``1..max_three_point_bound`` (``B = 1`` is Rademacher's law).

    >>> from hypothesis import given
    >>> @given(weight_laws(symmetric=True, bounded=True))
    ... def test(law):
    ...     assert law.bound() is not None
    """
    for name, v in (("symmetric", symmetric), ("bounded", bounded), ("density", density)):
        if v is not None and not isinstance(v, bool):
            raise InvalidArgument(f"{name}={v!r} must be True, False or None")
    if unit_variance is not None and not isinstance(unit_variance, bool):
        raise InvalidArgument(f"unit_variance={unit_variance!r} must be True, False or None")
    max_b = check_integer(max_three_point_bound, "max_three_point_bound", min_value=1)
    candidates: list[tuple[WeightLaw, st.SearchStrategy[WeightLaw]]] = []
    for name in WEIGHT_LAWS:  # the order is the shrinking order
        if name == "three-point":
            law = WeightLaw("three-point", 2.0)
            strat = st.integers(1, max_b).map(lambda b: WeightLaw("three-point", float(b)))
        else:
            law = WeightLaw(name)
            strat = st.just(law)
        if _keep(law, symmetric, bounded, density, unit_variance):
            candidates.append((law, strat))
    if not candidates:
        raise InvalidArgument("no weight law meets these filters")
    return st.one_of([s for _, s in candidates])


def _keep(law: WeightLaw, symmetric, bounded, density, unit_variance) -> bool:
    if symmetric is not None and law.symmetric != symmetric:
        return False
    if bounded is not None and (law.bound() is not None) != bounded:
        return False
    if density is not None and law.has_density != density:
        return False
    unit = law.name not in ("asymmetric-uniform", "pytorch-uniform")
    return unit_variance is None or unit == unit_variance


def _strategy_or_just(value: Any) -> st.SearchStrategy[Any]:
    return value if is_strategy(value) else st.just(value)


def bn_chain_settings(
    *,
    min_width: int = 2,
    max_width: int = 16,
    batch: str = "square",
    gamma: float | st.SearchStrategy[float] | None = None,
    law: str | WeightLaw | st.SearchStrategy[WeightLaw] | None = None,
    min_depth: int = 1,
    max_depth: int = 200,
    activation: str | st.SearchStrategy[str] = "linear",
) -> st.SearchStrategy[dict[str, Any]]:
    """Return a strategy for the structural parameters of a chain run:
    ``{"d", "N", "gamma", "law", "depth", "seed", "activation"}``.

    ``batch="square"`` gives ``N = d`` (the paper's setting: 𝓗 is a set of d × d
    matrices); ``"any"`` draws ``N`` in ``[1, 2·max_width]``. ``gamma`` defaults to a draw
    from ``{0.05, 0.1, 0.25, 0.5, 1, inf}``, ``law`` to the laws of Def. 1 (symmetric, unit
    variance, with a density: ``weight_laws(symmetric=True, density=True)``; with atoms a
    row of ``(I + γW)H`` can vanish with positive probability, where BN is undefined).
    Everything shrinks toward small widths, shallow chains and the first choices; the seed
    feeds ``numpy.random.default_rng`` (:func:`bn_chain`).
    """
    min_width = check_integer(min_width, "min_width", min_value=1)
    max_width = check_integer(max_width, "max_width", min_value=1)
    if min_width > max_width:
        raise InvalidArgument(f"min_width={min_width} exceeds max_width={max_width}")
    batch = check_choice(batch, "batch", ("square", "any"))
    min_depth = check_integer(min_depth, "min_depth", min_value=0)
    max_depth = check_integer(max_depth, "max_depth", min_value=0)
    if min_depth > max_depth:
        raise InvalidArgument(f"min_depth={min_depth} exceeds max_depth={max_depth}")
    if gamma is None:
        gamma_s = st.sampled_from([0.5, 1.0, 0.25, 0.1, 0.05, math.inf])
    elif is_strategy(gamma):
        gamma_s = gamma.map(_check_gamma)
    else:
        gamma_s = st.just(_check_gamma(gamma))
    if law is None:
        law_s = weight_laws(symmetric=True, density=True)
    elif is_strategy(law):
        law_s = law.map(weight_law)
    else:
        law_s = st.just(weight_law(law))
    if is_strategy(activation):
        act_s = activation.map(lambda a: check_choice(a, "activation", ACTIVATIONS))
    else:
        act_s = st.just(check_choice(activation, "activation", ACTIVATIONS))

    @st.composite
    def settings(draw: st.DrawFn) -> dict[str, Any]:
        d = draw(st.integers(min_width, max_width))
        n = d if batch == "square" else draw(st.integers(1, 2 * max_width))
        return {
            "d": d,
            "N": n,
            "gamma": draw(gamma_s),
            "law": draw(law_s).spec,
            "depth": draw(st.integers(min_depth, max_depth)),
            "seed": draw(seeds()),
            "activation": draw(act_s),
        }

    return settings()


#: Structures of :func:`bn_states` and :func:`correlation_matrices`.
STATE_KINDS = ("gaussian", "low-rank", "nearly-collinear", "repeated-rows", "signs")
CORRELATION_KINDS = ("compound", "blocks", "circulant", "general")


def bn_states(
    *, d: int | st.SearchStrategy[int], n: int | st.SearchStrategy[int]
) -> st.SearchStrategy[np.ndarray]:
    """Return a strategy for matrices of 𝓗: ``d × N`` with every row of norm √N
    (``BN(Y)`` of a structured ``Y``, so diag M(H) = 1).

    Structures (drawn first, shrinking toward ``"gaussian"``): Gaussian ``Y``; rank ``k``
    (``k`` drawn); nearly collinear (``u vᵀ + ε G``, ε down to 1e-8); repeated rows (up to
    sign: exactly rank deficient); rows of ±1 signs. Continuous parts from a drawn seed.
    """

    @st.composite
    def states(draw: st.DrawFn) -> np.ndarray:
        dd = draw(d) if is_strategy(d) else d
        nn = draw(n) if is_strategy(n) else n
        dd = check_integer(dd, "d", min_value=1)
        nn = check_integer(nn, "n", min_value=1)
        kind = draw(st.sampled_from(STATE_KINDS))
        rng = np.random.default_rng(draw(seeds()))
        if kind == "gaussian":
            y = rng.standard_normal((dd, nn))
        elif kind == "low-rank":
            k = draw(st.integers(1, min(dd, nn)))
            y = rng.standard_normal((dd, k)) @ rng.standard_normal((k, nn))
        elif kind == "nearly-collinear":
            eps = 10.0 ** draw(st.integers(-8, -1))
            y = nearly_collinear_inputs(dd, nn, eps, rng)
        elif kind == "repeated-rows":
            k = draw(st.integers(1, dd))
            base = rng.standard_normal((k, nn))
            pick = rng.integers(0, k, size=dd)
            y = base[pick] * rng.choice([-1.0, 1.0], size=(dd, 1))
        else:
            y = rng.choice([-1.0, 1.0], size=(dd, nn))
        # a zero row has probability zero, but keep BN defined regardless
        zero = ~np.any(y != 0, axis=1)
        y[zero, 0] = 1.0
        return batch_norm(y)

    return states()


def correlation_matrices(
    d: int | st.SearchStrategy[int],
    *,
    equal_row_norms: bool = False,
    kinds: tuple[str, ...] | None = None,
) -> st.SearchStrategy[np.ndarray]:
    """Return a strategy for ``M = M(H)``, ``H ∈ 𝓗``: symmetric positive semidefinite
    ``d × d`` matrices with unit diagonal (Eq. 8-9).

    Kinds: ``"compound"`` ``(1 − ρ)I + ρ11ᵀ`` with ρ a dyadic rational in
    ``[−1/(d−1), 1]`` (equal row norms, exact in binary); ``"blocks"`` block-diagonal
    all-ones blocks (equal sizes when ``equal_row_norms``: all non-zero eigenvalues equal);
    ``"circulant"`` a symmetric circulant built from non-negative eigenvalues of mean one
    (equal row norms exactly: every row holds the same floats); ``"general"`` ``M(H)`` of
    :func:`bn_states` (rows of unequal norms). With ``equal_row_norms`` only the first three.
    """
    allowed = CORRELATION_KINDS[:3] if equal_row_norms else CORRELATION_KINDS
    if kinds is None:
        kinds = allowed
    for k in kinds:
        check_choice(k, "kinds", allowed)

    @st.composite
    def mats(draw: st.DrawFn) -> np.ndarray:
        dd = check_integer(draw(d) if is_strategy(d) else d, "d", min_value=1)
        kind = draw(st.sampled_from(kinds))
        if kind == "compound":
            if dd == 1:
                return np.ones((1, 1))
            lo = -1.0 / (dd - 1)
            num = draw(st.integers(0, 64))
            rho = lo + (1.0 - lo) * num / 64  # dyadic grid when 1/(d−1) is dyadic
            rho = float(Fraction(rho).limit_denominator(1 << 20))
            rho = max(rho, lo)
            return (1.0 - rho) * np.eye(dd) + rho * np.ones((dd, dd))
        if kind == "blocks":
            if equal_row_norms:
                divisors = [k for k in range(1, dd + 1) if dd % k == 0]
                size = draw(st.sampled_from(divisors))
                sizes = [size] * (dd // size)
            else:
                sizes, left = [], dd
                while left:
                    s = draw(st.integers(1, left))
                    sizes.append(s)
                    left -= s
            m = np.zeros((dd, dd))
            i = 0
            for s in sizes:
                m[i : i + s, i : i + s] = 1.0
                i += s
            perm = draw(st.permutations(range(dd)))
            return m[np.ix_(perm, perm)]
        if kind == "circulant":
            rng = np.random.default_rng(draw(seeds()))
            lam = rng.exponential(size=dd) * (rng.random(dd) < 0.7)
            lam = (lam + lam[(-np.arange(dd)) % dd]) / 2  # λ_k = λ_{d−k}: a real circulant
            if lam.sum() == 0:
                lam[0] = 1.0
            lam *= dd / lam.sum()
            c = np.real(np.fft.ifft(lam))
            c = (c + c[(-np.arange(dd)) % dd]) / 2
            c[0] = 1.0
            idx = (np.arange(dd)[None, :] - np.arange(dd)[:, None]) % dd
            return c[idx]
        h = draw(bn_states(d=dd, n=draw(st.integers(1, 2 * dd))))
        return second_moment(h)

    return mats()
