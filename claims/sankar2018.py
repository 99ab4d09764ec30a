"""Sankar, Srinivasan, Balasubramanian 2018: noise and the rank of weight-matrix products.

A. R. Sankar, V. Srinivasan, V. N. Balasubramanian, *On the Analysis of Trajectories of
Gradient Descent in the Optimization of Deep Neural Networks*, ICML 2018 workshop on
non-convex optimization (``shared/papers/000_e73135dcd5787e39.txt``).

Every numbered statement is a claim below, encoded as printed; where a statement is false as
written it stays (``expect="refuted"``, with its certified minimal counterexample) and a
corrected variant is declared beside it. Notation: ``r_Z`` is the rank of Z; the network is
``ℜ = W_H ⋯ W_1``, ``W_i ∈ ℝ^{d_i × d_{i−1}}``, ``L(W) = ½‖ℜX − Y‖_F²``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import numpy as np
from hypothesis import strategies as st

from rankclaims import generators as gen
from rankclaims.claims._core import Check, claim, register_paper
from rankclaims.claims._linear import gradients, loss, pgd_step, product
from rankclaims.kernels.rank import sv_error_factor
from rankclaims.reports.model import Figure

PAPER = register_paper(
    "sankar2018",
    "A. R. Sankar, V. Srinivasan, V. N. Balasubramanian. On the Analysis of Trajectories of "
    "Gradient Descent in the Optimization of Deep Neural Networks. ICML 2018 workshop on "
    "non-convex optimization.",
)

EPS = float(np.finfo(np.float64).eps)


# ---------------------------------------------------------------------------------------
# Lemma 1, Lemma 2: a rank-increasing perturbation in the SVD
# ---------------------------------------------------------------------------------------


@st.composite
def _lemma1_inputs(draw: st.DrawFn) -> dict:
    """A ∈ ℝ^{n×m} with rank r < min(n, m) (any r ≥ 0, any conditioning) and ε > 0 over
    twenty orders of magnitude relative to ‖A‖₂."""
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 6))
    # r < min(n, m) = 1 forces r = 0: A = 0
    r = 0 if min(n, m) < 2 else draw(st.integers(0, min(n, m) - 1))
    if draw(st.booleans()):
        a = draw(gen.integer_matrices((n, m), rank=r)).astype(np.float64)
    else:
        cond = draw(st.sampled_from([1.0, 1e2, 1e6]))
        a = draw(gen.matrices((n, m), rank=r, condition=cond if r >= 2 else None))
    scale = float(np.linalg.norm(a, 2)) if r else 1.0
    eps = scale * 10.0 ** draw(st.floats(-12, 8, allow_nan=False))
    return {"A": a, "r": r, "epsilon": eps}


def _lemma1_a_hat(a: np.ndarray, r: int, eps: Any) -> np.ndarray:
    """Â = UΣ_{r+1}Vᵀ; ``a`` may be a batch (leading axis) with one ε per instance."""
    u, s, vt = np.linalg.svd(a, full_matrices=True)
    sig = np.zeros(a.shape)
    idx = np.arange(r)
    sig[..., idx, idx] = s[..., :r]
    sig[..., r, r] = eps
    return u @ sig @ vt


@st.composite
def _lemma1_structure(draw: st.DrawFn) -> dict:
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 6))
    r = 0 if min(n, m) < 2 else draw(st.integers(0, min(n, m) - 1))
    kind = draw(st.sampled_from(["integer", "spectrum"]))
    cond = draw(st.sampled_from([1.0, 1e2, 1e6]))
    return {"n": n, "m": m, "r": r, "kind": kind, "cond": cond}


def _lemma1_build(rng: gen.Sampler, n: int, m: int, r: int, kind: str, cond: float) -> dict:
    """A of rank r (integer, or U diag(σ) Vᵀ with Haar factors and σ from 1 down to
    1/cond), and ε = ‖A‖₂·10^t, t uniform in [−12, 8], per instance."""
    if kind == "integer":
        a = gen.integer_matrix_batch(rng, (n, m), r).astype(np.float64)
    else:
        u = np.linalg.qr(rng.normal(n, n))[0][..., :r]
        v = np.linalg.qr(rng.normal(m, m))[0][..., :r]
        t = rng.uniform(0.0, 1.0, r)
        t[:, :1], t[:, r - 1 : r] = 0.0, (1.0 if r >= 2 else 0.0)
        a = (u * cond ** (-t)[:, None, :]) @ np.swapaxes(v, -1, -2)
    scale = np.linalg.norm(a, 2, axis=(-2, -1)) if r else np.ones(rng.size)
    return {"A": a, "epsilon": scale * 10.0 ** rng.uniform(-12.0, 8.0)}


#: Lemma 1's inputs as batches: the structure (n, m, r, the construction) by Hypothesis,
#: A and ε per instance
_LEMMA1_BATCHES = gen.batched(_lemma1_structure(), _lemma1_build, keep=("r",))


_LEMMA1 = dict(
    hypotheses=[
        "A ∈ ℝ^{n×m}, rank(A) = r < min{n, m}",
        "A = UΣVᵀ (SVD), Σ_{r+1} = diag{σ_1, …, σ_r, ε, 0, …, 0}, Â = UΣ_{r+1}Vᵀ",
        "ε > 0 (any)",
    ],
    given=_lemma1_inputs(),
)


@claim(
    PAPER,
    "Lemma 1 (part 1)",
    statement="Â = UΣ_{r+1}Vᵀ has rank r + 1 for all ε > 0.",
    kind="rank",
    evidence=(
        "Â is built from the SVD of A exactly as printed; rank(Â) is decided in float64 "
        "with relative threshold √eps·σ₁ and a margin. When ε is below that threshold the "
        "rank cannot be decided in floating point: such examples count as undecided, never "
        "as a failure (a failure would need exact arithmetic, impossible through an SVD)."
    ),
    tolerance="rank threshold √eps·σ₁(Â) (float64: 1.5e-8·σ₁), decided only with margin > 1",
    **{**_LEMMA1, "given": _LEMMA1_BATCHES},
)
def lemma_1_part_1(c: Check, A: np.ndarray, r: int, epsilon: float) -> None:
    c.premise(r < min(A.shape[-2:]), "rank(A) = r < min{n, m}")
    a_hat = _lemma1_a_hat(A, r, epsilon)
    c.holds(c.rank(a_hat, "rank(Â)") == r + 1, "rank(Â) = r + 1")


@claim(
    PAPER,
    "Lemma 1 (part 2)",
    statement="‖A − Â‖₂ = ε.",
    kind="identity",
    evidence="‖A − Â‖₂ computed in float64 from the SVD of A, compared with ε.",
    tolerance=(
        "|‖A − Â‖₂ − ε| ≤ 8·p(n, m)·eps·max(σ₁(A), ε), p(n, m) = 2√max(n, m) + 2: the "
        "error of an SVD and of re-forming UΣVᵀ"
    ),
    **{**_LEMMA1, "given": _LEMMA1_BATCHES},
)
def lemma_1_part_2(c: Check, A: np.ndarray, r: int, epsilon: float) -> None:
    c.premise(r < min(A.shape[-2:]), "rank(A) = r < min{n, m}")
    a_hat = _lemma1_a_hat(A, r, epsilon)
    lhs = np.linalg.norm(A - a_hat, 2, axis=(-2, -1))
    scale = np.maximum(np.linalg.norm(A, 2, axis=(-2, -1)), epsilon)
    tol = 8 * sv_error_factor(*A.shape[-2:]) * EPS
    c.close(lhs, epsilon, "‖A − Â‖₂ = ε", tol=tol, scale=scale)


@claim(
    PAPER,
    "Lemma 2",
    statement="In Lemma 1, cos(A, Â) = trace(AᵀÂ)/(‖A‖_F‖Â‖_F) > 0.",
    kind="inequality",
    depends_on=["Lemma 1 (part 1)"],
    expect="refuted",
    counterexamples=[{"A": np.zeros((1, 1)), "r": 0, "epsilon": 1.0}],
    evidence=(
        "Same inputs as Lemma 1 (r = 0 is allowed there: rank(A) = 0 < min{n, m}). The "
        "cosine is computed as printed in Eq. 3 (whose numerator trace(AᵀA) equals "
        "trace(AᵀÂ)). For A = 0 the cosine is 0/0, undefined, so it is not > 0: an exact "
        "fact (‖A‖_F = 0 without rounding). The smallest cosine seen is the tightness."
    ),
    tolerance="cos > 0 decided when cos exceeds 16·eps (its rounding error)",
    **_LEMMA1,
)
def lemma_2(c: Check, A: np.ndarray, r: int, epsilon: float) -> None:
    c.premise(r < min(A.shape), "rank(A) = r < min{n, m}")
    a_hat = _lemma1_a_hat(A, r, epsilon)
    norm_a = float(np.linalg.norm(A))
    c.holds(norm_a > 0, "cos(A, Â) is defined (A ≠ 0); for A = 0 it is 0/0", certain=True)
    cos = float(np.trace(A.T @ a_hat)) / (norm_a * float(np.linalg.norm(a_hat)))
    c.tightness("cos(A, Â)", cos, minimize=True)
    c.holds(cos > 0, "cos(A, Â) > 0", margin=cos / (16 * EPS))


@claim(
    PAPER,
    "Lemma 2 (corrected)",
    statement="In Lemma 1 with r ≥ 1 (A ≠ 0), cos(A, Â) = √(Σσᵢ²)/√(Σσᵢ² + ε²) > 0.",
    kind="inequality",
    depends_on=["Lemma 1 (part 1)"],
    hypotheses=[
        *_LEMMA1["hypotheses"],
        "r ≥ 1 (added: the cosine of the zero matrix is undefined)",
    ],
    given=_lemma1_inputs().filter(lambda d: d["r"] >= 1),
    evidence=(
        "The cosine as printed, and its closed form from the proof (Eq. 4); both compared. "
        "The smallest cosine seen is the tightness (Hypothesis pushes ε up)."
    ),
    tolerance="closed form matched within 64·n·m·eps (absolute); cos > 0 decided above 16·eps",
)
def lemma_2_corrected(c: Check, A: np.ndarray, r: int, epsilon: float) -> None:
    c.premise(r >= 1, "r ≥ 1")
    a_hat = _lemma1_a_hat(A, r, epsilon)
    cos = float(np.trace(A.T @ a_hat)) / (float(np.linalg.norm(A)) * float(np.linalg.norm(a_hat)))
    s2 = float(np.sum(np.linalg.svd(A, compute_uv=False)[:r] ** 2))
    closed = math.sqrt(s2) / math.sqrt(s2 + epsilon**2)
    # trace(AᵀÂ) sums n·m products of size ‖A‖‖Â‖: the cosine's rounding error is absolute
    c.close(cos, closed, "cos(A, Â) = √Σσ²/√(Σσ² + ε²)", tol=64 * EPS * A.size, scale=1.0)
    c.tightness("cos(A, Â)", cos, minimize=True)
    c.holds(cos > 0, "cos(A, Â) > 0", margin=cos / (16 * EPS))


# ---------------------------------------------------------------------------------------
# Lemma 3, Corollaries 1 and 2: ranks of products (integer matrices, exact certificates)
# ---------------------------------------------------------------------------------------

_INT = {"max_value": 2}


@st.composite
def _lemma3_structure(draw: st.DrawFn, *, require_ra: bool = True) -> dict:
    """(m, n, p, k, r_A) admissible for Lemma 3: r_B = n − k, r_B̂ = n (so p ≥ n) and, when
    ``require_ra``, r_A ≥ n − k."""
    n = draw(st.integers(1, 4))
    k = draw(st.integers(0, n))
    p = draw(st.integers(n, n + 2))
    lo = n - k if require_ra else 0
    m = draw(st.integers(max(1, lo), n + 2))
    r_a = draw(st.integers(lo, min(m, n)))
    return {"m": m, "n": n, "p": p, "k": k, "r_a": r_a}


@st.composite
def _lemma3_inputs(draw: st.DrawFn, *, require_ra: bool = True) -> dict:
    """A ∈ ℤ^{m×n}, B, B̂ ∈ ℤ^{n×p} with r_B = n − k, r_B̂ = r_B + k, and (when
    ``require_ra``) r_A ≥ n − k: every rank by construction, every matrix of exactly that
    rank over ℚ. r_B̂ = n forces p ≥ n."""
    d = draw(_lemma3_structure(require_ra=require_ra))
    m, n, p, k = d["m"], d["n"], d["p"], d["k"]
    a = draw(gen.integer_matrices((m, n), rank=d["r_a"], **_INT))
    b = draw(gen.integer_matrices((n, p), rank=n - k, **_INT))
    b_hat = draw(gen.integer_matrices((n, p), rank=n, **_INT))
    return {"A": a, "B": b, "B_hat": b_hat, "k": k}


def _integer_batches(
    structure: st.SearchStrategy, layout: Callable[[dict], dict], keep: tuple[str, ...] = ("k",)
) -> st.SearchStrategy:
    """Batches of the integer matrices ``layout(structure)`` names (``name -> (shape,
    rank)``), built as :func:`rankclaims.generators.integer_matrices` builds one, entries in
    [−2, 2]; the structure is drawn by Hypothesis, and of it the check receives ``keep``."""

    def build(rng: gen.Sampler, **d: Any) -> dict:
        return {
            name: gen.integer_matrix_batch(rng, shape, rank, _INT["max_value"])
            for name, (shape, rank) in layout(d).items()
        }

    # the checks use only @, comparisons and the Check's ranks: they run on tensors too
    return gen.batched(structure, build, keep=keep, gpu=True)


def _lemma3_batches(*, require_ra: bool = True) -> st.SearchStrategy:
    """:func:`_lemma3_inputs` as batches (the same structure and construction)."""
    return _integer_batches(
        _lemma3_structure(require_ra=require_ra),
        lambda d: {
            "A": ((d["m"], d["n"]), d["r_a"]),
            "B": ((d["n"], d["p"]), d["n"] - d["k"]),
            "B_hat": ((d["n"], d["p"]), d["n"]),
        },
    )


def _lemma3_check(c: Check, A, B, B_hat, k, *, require_ra: bool) -> None:
    n = A.shape[-1]
    r_a, r_b, r_bh = c.rank(A, "r_A"), c.rank(B, "r_B"), c.rank(B_hat, "r_B̂")
    c.premise(k >= 0 and r_bh == r_b + k, "r_B̂ = r_B + k, k ≥ 0")
    c.premise(r_b == n - k, "r_B = n − k")
    if require_ra:
        c.premise(r_a >= n - k, "r_A ≥ n − k")
    r_ab, r_abh = c.rank(A @ B, "r_AB"), c.rank(A @ B_hat, "r_AB̂")
    c.fact("slack r_AB̂ − r_AB (last example)", r_abh - r_ab)
    c.holds(r_abh >= r_ab, "r_{AB̂} ≥ r_{AB}")


_LEMMA3_EVIDENCE = (
    "Integer matrices of exactly the required ranks, constructed (not filtered) over every "
    "admissible (m, n, p, k, r_A); ranks decided in float64 (threshold √eps·σ₁, margin > 1) "
    "and any failure re-checked with exact rational ranks (Bareiss)."
)


@claim(
    PAPER,
    "Lemma 3",
    statement=(
        "A ∈ ℝ^{m×n}, B, B̂ ∈ ℝ^{n×p}, r_B̂ = r_B + k, k ≥ 0. Given r_A ≥ n − k and "
        "r_B = n − k: r_{AB̂} ≥ r_{AB}."
    ),
    hypotheses=["r_B̂ = r_B + k, k ≥ 0", "r_A ≥ n − k", "r_B = n − k"],
    kind="rank",
    given=_lemma3_batches(),
    exact=True,
    evidence=_LEMMA3_EVIDENCE,
    tolerance="rank threshold √eps·σ₁ in float64; exact rational rank for any failure",
)
def lemma_3(c: Check, A, B, B_hat, k) -> None:
    _lemma3_check(c, A, B, B_hat, k, require_ra=True)


@claim(
    PAPER,
    "Lemma 3 (appendix statement)",
    statement=(
        "As restated in Appendix A, without r_A ≥ n − k: given r_B = n − k and "
        "r_B̂ = r_B + k, r_{AB̂} ≥ r_{AB}."
    ),
    hypotheses=["r_B̂ = r_B + k, k ≥ 0", "r_B = n − k"],
    kind="rank",
    given=_lemma3_batches(require_ra=False),
    exact=True,
    evidence=(
        _LEMMA3_EVIDENCE
        + " The appendix drops r_A ≥ n − k, which its proof uses; it holds anyway, since "
        "r_B̂ = n makes B̂ of full row rank and r_{AB̂} = r_A ≥ r_{AB}."
    ),
    tolerance="rank threshold √eps·σ₁ in float64; exact rational rank for any failure",
)
def lemma_3_appendix(c: Check, A, B, B_hat, k) -> None:
    _lemma3_check(c, A, B, B_hat, k, require_ra=False)


@st.composite
def _corollary1_structure(draw: st.DrawFn) -> dict:
    n = draw(st.integers(1, 4))
    k = draw(st.integers(0, n))
    m = draw(st.integers(n, n + 2))
    p = draw(st.integers(1, n + 2))
    return {"n": n, "k": k, "m": m, "p": p, "r_b": draw(st.integers(0, min(n, p)))}


def _corollary1_layout(d: dict) -> dict:
    return {
        "A": ((d["m"], d["n"]), d["n"] - d["k"]),
        "A_hat": ((d["m"], d["n"]), d["n"]),
        "B": ((d["n"], d["p"]), d["r_b"]),
    }


@st.composite
def _corollary1_inputs(draw: st.DrawFn) -> dict:
    """A, Â ∈ ℤ^{m×n}, B ∈ ℤ^{n×p}, r_A = n − k, r_Â = r_A + k = n (so m ≥ n), any r_B."""
    d = draw(_corollary1_structure())
    out = {
        k: draw(gen.integer_matrices(shape, rank=r, **_INT))
        for k, (shape, r) in _corollary1_layout(d).items()
    }
    return {**out, "k": d["k"]}


@claim(
    PAPER,
    "Corollary 1",
    statement=(
        "A, Â ∈ ℝ^{m×n}, B ∈ ℝ^{n×p}, r_Â = r_A + k, k ≥ 0. Given r_A = n − k: r_{ÂB} ≥ r_{AB}."
    ),
    hypotheses=["r_Â = r_A + k, k ≥ 0", "r_A = n − k"],
    kind="rank",
    given=_integer_batches(_corollary1_structure(), _corollary1_layout),
    depends_on=["Lemma 3"],
    exact=True,
    evidence=_LEMMA3_EVIDENCE,
    tolerance="rank threshold √eps·σ₁ in float64; exact rational rank for any failure",
)
def corollary_1(c: Check, A, A_hat, B, k) -> None:
    n = A.shape[-1]
    r_a, r_ah = c.rank(A, "r_A"), c.rank(A_hat, "r_Â")
    c.premise((r_ah == r_a + k) & (r_a == n - k), "r_Â = r_A + k, r_A = n − k")
    c.holds(c.rank(A_hat @ B, "r_ÂB") >= c.rank(A @ B, "r_AB"), "r_{ÂB} ≥ r_{AB}")


@st.composite
def _corollary2_structure(draw: st.DrawFn, *, corrected: bool = False) -> dict:
    n = draw(st.integers(1, 4))
    if corrected:
        k = draw(st.integers(0, n))
        r_a = r_b = n - k
    else:
        k = draw(st.integers(0, n // 2))
        r_a = draw(st.integers(0, n - 2 * k))
        r_b = n - 2 * k - r_a
    m = draw(st.integers(max(1, r_a + k), n + 2))
    p = draw(st.integers(max(1, r_b + k), n + 2))
    return {"n": n, "k": k, "r_a": r_a, "r_b": r_b, "m": m, "p": p}


def _corollary2_layout(d: dict) -> dict:
    m, n, p, k = d["m"], d["n"], d["p"], d["k"]
    return {
        "A": ((m, n), d["r_a"]),
        "A_hat": ((m, n), d["r_a"] + k),
        "B": ((n, p), d["r_b"]),
        "B_hat": ((n, p), d["r_b"] + k),
    }


@st.composite
def _corollary2_inputs(draw: st.DrawFn, *, corrected: bool = False) -> dict:
    """A, Â ∈ ℤ^{m×n}, B, B̂ ∈ ℤ^{n×p} with r_Â = r_A + k, r_B̂ = r_B + k and either
    r_A + r_B = n − 2k (as printed) or r_A = r_B = n − k (corrected)."""
    d = draw(_corollary2_structure(corrected=corrected))
    out = {
        k: draw(gen.integer_matrices(shape, rank=r, **_INT))
        for k, (shape, r) in _corollary2_layout(d).items()
    }
    return {**out, "k": d["k"]}


def _corollary2_check(c: Check, A, A_hat, B, B_hat, k, *, corrected: bool) -> None:
    n = A.shape[-1]
    r_a, r_b = c.rank(A, "r_A"), c.rank(B, "r_B")
    c.premise((k >= 0) & (c.rank(A_hat, "r_Â") == r_a + k), "r_Â = r_A + k, k ≥ 0")
    c.premise(c.rank(B_hat, "r_B̂") == r_b + k, "r_B̂ = r_B + k")
    if corrected:
        c.premise((r_a == n - k) & (r_b == n - k), "r_A = r_B = n − k")
    else:
        c.premise(r_a + r_b == n - 2 * k, "r_A + r_B = n − 2k")
    c.holds(c.rank(A_hat @ B_hat, "r_ÂB̂") >= c.rank(A @ B, "r_AB"), "r_{ÂB̂} ≥ r_{AB}")


@claim(
    PAPER,
    "Corollary 2",
    statement=(
        "A, Â ∈ ℝ^{m×n}, B, B̂ ∈ ℝ^{n×p}, r_Â = r_A + k, r_B̂ = r_B + k, k ≥ 0. Given "
        "r_A + r_B = n − 2k: r_{ÂB̂} ≥ r_{AB}."
    ),
    hypotheses=["r_Â = r_A + k, r_B̂ = r_B + k, k ≥ 0", "r_A + r_B = n − 2k"],
    kind="rank",
    given=_integer_batches(_corollary2_structure(), _corollary2_layout),
    depends_on=["Lemma 3", "Corollary 1"],
    exact=True,
    expect="refuted",
    counterexamples=[
        {
            "A": np.array([[1, 0]]),
            "A_hat": np.array([[0, 1]]),
            "B": np.array([[1], [0]]),
            "B_hat": np.array([[1], [0]]),
            "k": 0,
        }
    ],
    evidence=(
        _LEMMA3_EVIDENCE
        + " Nothing ties Â to A or B̂ to B beyond their ranks, and with r_A + r_B = n − 2k "
        "Sylvester's bound r_{ÂB̂} ≥ r_Â + r_B̂ − n = 0 is empty: Â can annihilate B̂."
    ),
    tolerance="rank threshold √eps·σ₁ in float64; exact rational rank for any failure",
)
def corollary_2(c: Check, A, A_hat, B, B_hat, k) -> None:
    _corollary2_check(c, A, A_hat, B, B_hat, k, corrected=False)


@claim(
    PAPER,
    "Corollary 2 (corrected)",
    statement=(
        "A, Â ∈ ℝ^{m×n}, B, B̂ ∈ ℝ^{n×p}, r_Â = r_A + k, r_B̂ = r_B + k, k ≥ 0. Given "
        "r_A = r_B = n − k (so Â has full column rank and B̂ full row rank): "
        "r_{ÂB̂} ≥ r_{AB}."
    ),
    hypotheses=["r_Â = r_A + k, r_B̂ = r_B + k, k ≥ 0", "r_A = r_B = n − k"],
    kind="rank",
    given=_integer_batches(_corollary2_structure(corrected=True), _corollary2_layout),
    depends_on=["Lemma 3", "Corollary 1"],
    exact=True,
    evidence=(
        _LEMMA3_EVIDENCE + " The hypothesis that lets Lemma 3 and Corollary 1 chain: "
        "r_{ÂB̂} ≥ r_{ÂB} (Lemma 3 with A := Â) ≥ r_{AB} (Corollary 1)."
    ),
    tolerance="rank threshold √eps·σ₁ in float64; exact rational rank for any failure",
)
def corollary_2_corrected(c: Check, A, A_hat, B, B_hat, k) -> None:
    _corollary2_check(c, A, A_hat, B, B_hat, k, corrected=True)


# ---------------------------------------------------------------------------------------
# Theorem 1: one step of perturbed gradient descent (Algorithm 1), H = 2
# ---------------------------------------------------------------------------------------


@st.composite
def _pgd_step_inputs(draw: st.DrawFn, *, reading: str) -> dict:
    """A two-layer linear network's iterate (W_1, W_2), data (X, Y), step η and Algorithm 1's
    noise. Integer weights and data of any rank; half the examples are "landing" states
    (X = I, W_2 = I, η = 1, so the gradient step lands W_1 on Y, of any rank): the theorem
    is stated for every iterate, and these are the iterates where a step can lose rank."""
    landing = draw(st.booleans())
    d1 = draw(st.integers(1, 4))
    if landing:
        m = d0 = draw(st.integers(1, 4))
        d2 = d1
        x = np.eye(m, dtype=np.int64)
        w2 = np.eye(d1, dtype=np.int64)
        eta = 1.0
    else:
        d0, d2, m = (draw(st.integers(1, 4)) for _ in range(3))
        x = draw(gen.integer_matrices((d0, m), **_INT))
        w2 = draw(gen.integer_matrices((d2, d1), **_INT))
        eta = draw(st.sampled_from([1.0, 0.5, 0.25, 0.125, 1 / 64]))
    w1 = draw(gen.integer_matrices((d1, d0), **_INT))
    y = draw(gen.integer_matrices((d2, m), **_INT))
    sigma = 10.0 ** draw(st.floats(-3, 0))
    noise = draw(gen.gradient_noise([w1.shape, w2.shape], sigma=sigma, reading=reading))
    return {
        "W_1": w1,
        "W_2": w2,
        "X": x,
        "Y": y,
        "eta": eta,
        "sigma": sigma,
        "epsilon_1": noise[0],
        "epsilon_2": noise[1],
    }


@st.composite
def _pgd_step_structure(draw: st.DrawFn) -> dict:
    """The structure of :func:`_pgd_step_inputs`: landing or not, the dimensions, the ranks
    of the integer matrices (uniform, as ``integer_matrices`` draws them), η and σ."""
    landing = draw(st.booleans())
    d1 = draw(st.integers(1, 4))
    if landing:
        m = d0 = draw(st.integers(1, 4))
        d2, eta = d1, 1.0
    else:
        d0, d2, m = (draw(st.integers(1, 4)) for _ in range(3))
        eta = draw(st.sampled_from([1.0, 0.5, 0.25, 0.125, 1 / 64]))
    ranks = {
        "r_x": draw(st.integers(0, min(d0, m))),
        "r_w2": draw(st.integers(0, min(d2, d1))),
        "r_w1": draw(st.integers(0, min(d1, d0))),
        "r_y": draw(st.integers(0, min(d2, m))),
    }
    sigma = 10.0 ** draw(st.floats(-3, 0))
    return {
        "landing": landing,
        "d0": d0,
        "d1": d1,
        "d2": d2,
        "m": m,
        "eta": eta,
        "sigma": sigma,
        **ranks,
    }


def _pgd_step_batches(*, reading: str) -> st.SearchStrategy:
    """:func:`_pgd_step_inputs` as batches: the structure by Hypothesis; the integer
    matrices (the same construction) and the noise (entrywise, or one scalar per layer
    broadcast to its entries) per instance."""

    def build(rng: gen.Sampler, landing, d0, d1, d2, m, eta, sigma, r_x, r_w2, r_w1, r_y):
        k = _INT["max_value"]
        if landing:
            x = np.broadcast_to(np.eye(m, dtype=np.int64), (rng.size, m, m)).copy()
            w2 = np.broadcast_to(np.eye(d1, dtype=np.int64), (rng.size, d1, d1)).copy()
        else:
            x = gen.integer_matrix_batch(rng, (d0, m), r_x, k)
            w2 = gen.integer_matrix_batch(rng, (d2, d1), r_w2, k)
        w1 = gen.integer_matrix_batch(rng, (d1, d0), r_w1, k)
        y = gen.integer_matrix_batch(rng, (d2, m), r_y, k)
        if reading == "scalar":
            e1 = np.broadcast_to(rng.normal(1, 1, scale=sigma), w1.shape).copy()
            e2 = np.broadcast_to(rng.normal(1, 1, scale=sigma), w2.shape).copy()
        else:
            e1, e2 = rng.normal(d1, d0, scale=sigma), rng.normal(d2, d1, scale=sigma)
        return {"W_1": w1, "W_2": w2, "X": x, "Y": y, "epsilon_1": e1, "epsilon_2": e2}

    return gen.batched(_pgd_step_structure(), build, keep=("eta", "sigma"))


def _theorem1_check(c: Check, W_1, W_2, X, Y, eta, sigma, epsilon_1, epsilon_2) -> None:
    c.premise(sigma > 0 and eta > 0, "σ > 0 (Algorithm 1 adds noise), η > 0")
    w1n, w2n = pgd_step([W_1, W_2], X, Y, eta, [epsilon_1, epsilon_2])
    r_t = c.rank(W_2 @ W_1, "rank(ℜ^t)")
    r_next = c.rank(w2n @ w1n, "rank(ℜ^{t+1})")
    c.holds(r_t <= r_next, "rank(ℜ^t) ≤ rank(ℜ^{t+1})")


_THM1 = dict(
    statement=(
        "For a two-layer (H = 2) linear network trained with Algorithm 1, "
        "W_i^{t+1} = W_i^t − η(∂L/∂W_i^t + ε), ε ~ N(0, σ²): rank(ℜ^t) ≤ rank(ℜ^{t+1}), "
        "ℜ^t = W_2^t W_1^t."
    ),
    kind="almost-everywhere",
    # The proof sketch names Lemmas 1 and 3; Lemma 2 is what lets it use Â in a gradient
    # step, and with both layers perturbed at once it needs Corollary 2.
    depends_on=["Lemma 1 (part 1)", "Lemma 2", "Lemma 3", "Corollary 1", "Corollary 2"],
    exact=True,
    tolerance="rank threshold √eps·σ₁ in float64; exact rational ranks for any failure",
)


@claim(
    PAPER,
    "Theorem 1",
    hypotheses=[
        "H = 2, L(W) = ½‖W_2W_1X − Y‖_F², any iterate (W_1^t, W_2^t), any data, η > 0",
        "reading of ε: an independent N(0, σ²) draw for every entry of every W_i at every "
        "step (Jin et al.'s isotropic perturbation of the parameter vector), σ > 0",
    ],
    given=_pgd_step_batches(reading="entrywise"),
    evidence=(
        "One step of Algorithm 1 (every gradient taken at iterate t, Eq. 15) from integer "
        "iterates of every rank, including iterates whose gradient step alone lands on a "
        "lower rank; the noise is drawn from its continuous law. ranks decided in float64, "
        "any failure re-checked on exact rationals. Holding for almost every noise draw is "
        "what the almost-everywhere kind asks: W_i^{t+1} is then generic and ℜ^{t+1} has "
        "the largest rank its shape allows."
    ),
    **_THM1,
)
def theorem_1(c: Check, **inputs) -> None:
    _theorem1_check(c, **inputs)


@claim(
    PAPER,
    "Theorem 1 (scalar-noise reading)",
    hypotheses=[
        "H = 2, L(W) = ½‖W_2W_1X − Y‖_F², any iterate, any data, η > 0",
        "reading of ε: one scalar N(0, σ²) draw per W_i and step, added to every entry "
        "(Algorithm 1's ε written as a scalar), σ > 0",
    ],
    given=_pgd_step_batches(reading="scalar"),
    expect="refuted",
    counterexamples=[
        {
            "W_1": np.eye(2, dtype=np.int64),
            "W_2": np.eye(2, dtype=np.int64),
            "X": np.eye(2, dtype=np.int64),
            "Y": np.zeros((2, 2), dtype=np.int64),
            "eta": 1.0,
            "sigma": 0.5,
            "epsilon_1": np.full((2, 2), 0.25),
            "epsilon_2": np.full((2, 2), -0.5),
        }
    ],
    evidence=(
        "As for Theorem 1, with the literal reading of ε as one scalar per layer. A scalar "
        "adds the rank-one matrix ε·11ᵀ, so when the gradient step lands W_1 on a matrix of "
        "rank ≤ rank(ℜ^t) − 2, no value of ε restores the rank: the failure holds for every "
        "noise draw, not on a null set, and is certified on exact rationals."
    ),
    **_THM1,
)
def theorem_1_scalar(c: Check, **inputs) -> None:
    _theorem1_check(c, **inputs)


# ---------------------------------------------------------------------------------------
# Theorem 2 (Yun et al. 2018, Thm 2.1): critical points of deep linear networks
# ---------------------------------------------------------------------------------------


def _least_squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """M = YXᵀ(XXᵀ)⁻¹, the global minimiser of ½‖MX − Y‖² over all d_y × d_x matrices."""
    return np.linalg.solve(x @ x.T, x @ y.T).T


def _invertible(rng: np.random.Generator, d: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.exp(rng.uniform(-1, 1, size=d))


@st.composite
def _critical_points(draw: st.DrawFn, *, saddles_only: bool = False, depth=None) -> dict:
    """A critical point of a deep linear network under Yun et al.'s assumptions (i)-(iv):
    data from ``yun_datasets``, widths from ``yun_widths``, and weights whose product is
    ℜ = U_S U_Sᵀ M (U_S: eigenvectors of Σ = MXYᵀ for a drawn subset S of its k nonzero
    eigenvalues), factored through the first |S| hidden units and mixed by random invertible
    maps between layers (which keep criticality). |S| = k gives rank k (set 𝒱), |S| < k a
    point of 𝒱ᶜ together with its escape direction D: L(W + tD) = L − λ s + λ s²/2, s = t^H,
    λ > 0 an eigenvalue of Σ outside S."""
    dx = draw(st.integers(1, 3))
    dy = draw(st.integers(1, 3))
    m = draw(st.integers(max(dx, dy), max(dx, dy) + 2))
    h = draw(st.integers(2, 3)) if depth is None else depth
    data = draw(gen.yun_datasets(dx=dx, dy=dy, m=m))
    widths = draw(gen.yun_widths(dx=dx, dy=dy, depth=h, max_width=4))
    x, y = data["X"], data["Y"]
    k = min(dx, dy)
    mm = _least_squares(x, y)
    lam, vec = np.linalg.eigh(mm @ x @ y.T)
    order = np.argsort(lam)[::-1][:k]
    lam, vec = lam[order], vec[:, order]
    r = draw(st.integers(0, k - 1 if saddles_only else k))
    s_idx = sorted(draw(st.permutations(range(k)))[:r])
    us = vec[:, s_idx]
    ws = [np.zeros((widths[i + 1], widths[i])) for i in range(h)]
    ws[0][:r, :] = us.T @ mm
    for i in range(1, h - 1):
        ws[i][:r, :r] = np.eye(r)
    ws[h - 1][:, :r] = us
    escape, lam_out = None, None
    if r < k:
        j = next(i for i in range(k) if i not in s_idx)
        lam_out = float(lam[j])
        escape = [np.zeros_like(w) for w in ws]
        escape[0][r, :] = vec[:, j] @ mm
        for i in range(1, h - 1):
            escape[i][r, r] = 1.0
        escape[h - 1][:, r] = vec[:, j]
    rng = np.random.default_rng(draw(gen.seeds()))
    for j in range(1, h):  # hidden layer j sits between W_j and W_{j+1}
        cj = _invertible(rng, widths[j])
        cinv = np.linalg.inv(cj)
        ws[j - 1] = cj @ ws[j - 1]
        ws[j] = ws[j] @ cinv
        if escape is not None:
            escape[j - 1] = cj @ escape[j - 1]
            escape[j] = escape[j] @ cinv
    return {"X": x, "Y": y, "W": ws, "S": s_idx, "D": escape, "lam": lam_out}


def _spectral(a: np.ndarray) -> float:
    return float(np.linalg.norm(a, 2)) if a.size else 0.0


def _gradient_scale(ws, x, y) -> list[float]:
    """A bound on the size of each ∂L/∂W_i's terms (for its rounding error)."""
    out = []
    core = (_spectral(product(ws)) * _spectral(x) + _spectral(y)) * _spectral(x)
    for i in range(len(ws)):
        s = core
        for j, w in enumerate(ws):
            if j != i:
                s *= _spectral(w)
        out.append(s)
    return out


def _hessian_min_eig(ws, x, y) -> float:
    import torch

    shapes = [w.shape for w in ws]
    sizes = [w.size for w in ws]
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def f(theta):
        parts = torch.split(theta, sizes)
        r = parts[0].reshape(shapes[0])
        for p, sh in zip(parts[1:], shapes[1:], strict=True):
            r = p.reshape(sh) @ r
        return 0.5 * ((r @ xt - yt) ** 2).sum()

    theta = torch.from_numpy(np.concatenate([w.ravel() for w in ws]))
    hess = torch.autograd.functional.hessian(f, theta)
    return float(torch.linalg.eigvalsh(hess)[0])


@claim(
    PAPER,
    "Theorem 2",
    statement=(
        "(Yun et al. 2018, Thm 2.1) Under assumptions (i)-(iv), with k = min{d_x, d_y} and "
        "𝒱 = {(W_1, …, W_H) : rank(W_H⋯W_1) = k}: every critical point in 𝒱 is a global "
        "minimum and every critical point in 𝒱ᶜ is a saddle point."
    ),
    hypotheses=[
        "(i) min{d_x, d_1, …, d_{H−1}, d_y} = min{d_x, d_y}",
        "(ii) d_x, d_y ≤ m",
        "(iii) XXᵀ and YXᵀ full rank",
        "(iv) the singular values of YXᵀ(XXᵀ)⁻¹X are distinct, read as: its nonzero "
        "singular values are distinct (relative gap ≥ 1e-3); read literally (iv) cannot hold "
        "when d_y ≥ d_x + 2, where at least two singular values are 0",
    ],
    kind="rank",
    given=_critical_points(),
    evidence=(
        "Critical points are constructed (data by generators.yun_datasets, widths by "
        "generators.yun_widths, H = 2 or 3) for every subset S of the nonzero eigenvalues "
        "of Σ = YXᵀ(XXᵀ)⁻¹XYᵀ, mixed by random invertible maps between layers; ∇L = 0 is "
        "checked (the premise). In 𝒱: L(W) must equal the least-squares minimum "
        "½‖Y − YXᵀ(XXᵀ)⁻¹X‖² (the global minimum, every d_y × d_x product being reachable "
        "by (i)). In 𝒱ᶜ: a saddle is certified by a descent curve W + tD on which "
        "L = L(W) − λs + λs²/2 (s = t^H, λ > 0), verified numerically at s = 1 and "
        "s = 1e-2, so there are points of lower loss arbitrarily close; the Hessian's "
        "smallest eigenvalue is recorded too (≥ 0 means a saddle without a direction of "
        "negative curvature, which H ≥ 3 produces)."
    ),
    tolerance=(
        "∇L = 0 and L = L* within 1e3·eps·κ(XXᵀ) relative to the size of their terms; "
        "descent matched within 1e3·eps·κ(XXᵀ)·(L + 1); rank threshold √eps·σ₁"
    ),
)
def theorem_2(c: Check, X, Y, W, S, D, lam) -> None:
    _theorem2_check(c, X, Y, W, S, D, lam)


def _theorem2_check(c: Check, X, Y, W, S, D, lam) -> None:
    kappa = float(np.linalg.cond(X @ X.T))
    tol = 1e3 * EPS * kappa
    grads = gradients(W, X, Y)
    for i, (g, sc) in enumerate(zip(grads, _gradient_scale(W, X, Y), strict=True)):
        c.premise(
            float(np.linalg.norm(g)) <= tol * max(sc, 1e-300),
            f"∇_{{W_{i + 1}}} L = 0 (a critical point)",
        )
    k = min(X.shape[0], Y.shape[0])
    r = c.rank(product(W), "rank(W_H⋯W_1)")
    big_l = float(loss(W, X, Y))
    if r == k:
        l_star = 0.5 * float(np.sum((Y - _least_squares(X, Y) @ X) ** 2))
        c.close(big_l, l_star, "L(W) = min L", tol=tol, scale=0.5 * float(np.sum(Y**2)) + 1.0)
        return
    c.premise(D is not None and lam is not None and lam > 0, "an escape direction was built")
    h = len(W)
    for s in (1.0, 1e-2):
        t = s ** (1.0 / h)
        moved = [w + t * d for w, d in zip(W, D, strict=True)]
        predicted = big_l - lam * s + lam * s * s / 2
        got = float(loss(moved, X, Y))
        c.close(
            got, predicted, f"L(W + tD) = L − λs + λs²/2 at s = {s:g}", tol=tol, scale=big_l + 1.0
        )
        c.holds(
            got < big_l,
            f"a point at distance {t:.3g}·‖D‖ has lower loss (not a local minimum)",
            margin=(big_l - got) / (tol * (big_l + 1.0)),
        )
    c.tightness("largest λ_min(∇²L) at a saddle", _hessian_min_eig(W, X, Y))


# ---------------------------------------------------------------------------------------
# Theorem 3, Lemma 7: trajectories of perturbed gradient descent
# ---------------------------------------------------------------------------------------

_DIVERGED = 1e10  # loss growth factor that counts as divergence


def _pgd_run(ws, x, y, *, eta, sigma, steps, seed, c: Check | None = None):
    """Run Algorithm 1 (entrywise noise) for ``steps`` steps. Returns (losses, ranks,
    final weights, diverged). Ranks of ℜ^t use the exact-rank threshold √eps·σ₁ and are
    decided with margins when a Check is given."""
    rng = np.random.default_rng(seed)
    l0 = float(loss(ws, x, y))
    losses, ranks, snapshots = [l0], [], []
    if c is not None:
        ranks.append(c.rank(product(ws), "rank(ℜ^0)"))

    def trajectory_ranks() -> list[int]:
        # the snapshots' ranks in one kernel call (any in the grey zone: undecided)
        if c is None or not snapshots:
            return ranks
        return ranks + [int(r) for r in c.rank(np.stack(snapshots), "rank(ℜ^t)")]

    for t in range(steps):
        noise = [sigma * rng.standard_normal(w.shape) for w in ws]
        with np.errstate(all="ignore"):
            ws = pgd_step(ws, x, y, eta, noise)
            cur = float(loss(ws, x, y))
        losses.append(cur)
        if not math.isfinite(cur) or cur > _DIVERGED * (l0 + 1.0):
            return losses, trajectory_ranks(), ws, True
        if c is not None and (t < 20 or t % 10 == 9):
            snapshots.append(product(ws))
    return losses, trajectory_ranks(), ws, False


@st.composite
def _pgd_problems(draw: st.DrawFn, *, safe_step: bool) -> dict:
    dx = draw(st.integers(1, 3))
    dy = draw(st.integers(1, 3))
    m = draw(st.integers(max(dx, dy), max(dx, dy) + 3))
    h = draw(st.integers(2, 3))
    data = draw(gen.yun_datasets(dx=dx, dy=dy, m=m))
    widths = draw(gen.yun_widths(dx=dx, dy=dy, depth=h, max_width=4))
    ws = draw(gen.deep_linear_networks(widths=widths, init="gaussian"))
    x, y = data["X"], data["Y"]
    if safe_step:
        smooth = float(np.linalg.eigvalsh(x @ x.T)[-1]) * (1 + 2 * _spectral(_least_squares(x, y)))
        eta = draw(st.floats(0.05, 0.5)) / smooth
    else:
        eta = 10.0 ** draw(st.floats(-3, 0))
    sigma = 10.0 ** draw(st.floats(-5, -3))
    return {"X": x, "Y": y, "W": ws, "eta": eta, "sigma": sigma, "seed": draw(gen.seeds())}


def _theorem3_check(c: Check, X, Y, W, eta, sigma, seed, *, steps: int) -> None:
    losses, ranks, _, diverged = _pgd_run(
        W, X, Y, eta=eta, sigma=sigma, steps=steps, seed=seed, c=c
    )
    c.premise(
        all(a <= b for a, b in pairwise(ranks)),
        "rank(ℜ^t) ≤ rank(ℜ^{t+1}) along the trajectory",
    )
    l_star = 0.5 * float(np.sum((Y - _least_squares(X, Y) @ X) ** 2))
    c.holds(
        not diverged,
        f"the trajectory stays bounded (loss {losses[0]:.3g} → {losses[-1]:.3g} after "
        f"{len(losses) - 1} steps; L* = {l_star:.3g})",
        certificate=(
            f"empirical: the seeded run's loss exceeded {_DIVERGED:g}× its initial value "
            "while rank(ℜ^t) never decreased: it diverges and cannot converge"
        ),
    )
    gap0, gap = losses[0] - l_star, losses[-1] - l_star
    c.tightness("final (L − L*)/(L_0 − L*)", gap / gap0 if gap0 > 0 else 0.0)
    if gap > 1e-3 * max(gap0, 1e-12) + 1e3 * EPS * (l_star + 1):
        from rankclaims.claims._core import Undecided

        raise Undecided(f"not converged within {steps} steps (finite horizon)")


_THM3_STEPS = 400


@claim(
    PAPER,
    "Theorem 3",
    statement=(
        "Under the conditions of Theorem 2, perturbed gradient descent with "
        "rank(ℜ^t) ≤ rank(ℜ^{t+1}) is guaranteed to converge to a global minimum."
    ),
    hypotheses=[
        "Theorem 2's assumptions (i)-(iv) (generators.yun_datasets, yun_widths)",
        "Algorithm 1 with entrywise noise, any step size η > 0 and σ > 0 (none is stated)",
        "rank(ℜ^t) non-decreasing along the trajectory (checked: the premise)",
    ],
    kind="asymptotic",
    given=_pgd_problems(safe_step=False),
    depends_on=["Theorem 1", "Theorem 2"],
    expect="refuted",
    examples={"quick": 10, "default": 40, "thorough": 200},
    evidence=(
        f"Seeded runs of Algorithm 1 ({_THM3_STEPS} steps, H = 2 or 3, Gaussian "
        "initialisation, η drawn over [1e-3, 1], σ over [1e-5, 1e-3]). A run counts for "
        "the claim when it reaches L − L* ≤ 1e-3·(L_0 − L*); a run that neither converges "
        "nor diverges is undecided (a finite horizon cannot refute convergence). What "
        f"refutes: a run whose loss grows past {_DIVERGED:g}× its start while the rank "
        "premise holds; no step size is part of the statement, and a step size above "
        "2/(largest curvature) makes gradient descent diverge."
    ),
    tolerance="convergence: L − L* ≤ 1e-3·(L_0 − L*); divergence: L > 1e10·(L_0 + 1)",
)
def theorem_3(c: Check, **inputs) -> None:
    _theorem3_check(c, **inputs, steps=_THM3_STEPS)


_THM3C_STEPS = 3000


@claim(
    PAPER,
    "Theorem 3 (corrected)",
    statement=(
        "Under the conditions of Theorem 2, perturbed gradient descent with a step size "
        "η ≤ 0.5/(λ_max(XXᵀ)(1 + 2‖YXᵀ(XXᵀ)⁻¹‖₂)) and small noise converges to a "
        "global minimum (empirically: within a finite horizon, to L − L* ≤ 1e-3·(L_0 − L*))."
    ),
    hypotheses=[
        "Theorem 2's assumptions (i)-(iv)",
        "η ≤ 0.5/(λ_max(XXᵀ)(1 + 2‖M‖₂)), M = YXᵀ(XXᵀ)⁻¹ (added: a step size below the "
        "curvature near the minima), σ ∈ [1e-5, 1e-3]",
    ],
    kind="asymptotic",
    given=_pgd_problems(safe_step=True),
    depends_on=["Theorem 1", "Theorem 2"],
    examples={"quick": 6, "default": 30, "thorough": 200},
    evidence=(
        f"As for Theorem 3, with the step size bounded and {_THM3C_STEPS} steps. Holds when "
        "most runs converge and none diverges; runs still short of the tolerance at the "
        "horizon are undecided and reported."
    ),
    tolerance="convergence: L − L* ≤ 1e-3·(L_0 − L*)",
)
def theorem_3_corrected(c: Check, **inputs) -> None:
    _theorem3_check(c, **inputs, steps=_THM3C_STEPS)


@st.composite
def _saddle_starts(draw: st.DrawFn) -> dict:
    cp = draw(_critical_points(saddles_only=True))
    x, y = cp["X"], cp["Y"]
    smooth = float(np.linalg.eigvalsh(x @ x.T)[-1]) * (1 + 2 * _spectral(_least_squares(x, y)))
    eta = draw(st.floats(0.05, 0.5)) / smooth
    sigma = 10.0 ** draw(st.floats(-3, -2))
    return {**cp, "eta": eta, "sigma": sigma, "seed": draw(gen.seeds())}


_LEMMA7_STEPS = 2000


@claim(
    PAPER,
    "Lemma 7",
    statement=(
        "Perturbed gradient descent (Alg. 1) escapes saddle points by increasing the rank "
        "of ℜ under the conditions of Yun et al. (2018, Thm 2.1)."
    ),
    hypotheses=[
        "Theorem 2's assumptions (i)-(iv)",
        "start at a saddle point: a critical point with rank(ℜ) < k",
        "Algorithm 1 with entrywise noise, step size below the curvature (as in Theorem 3 "
        "(corrected)), σ ∈ [1e-3, 1e-2]",
    ],
    kind="asymptotic",
    given=_saddle_starts(),
    depends_on=["Theorem 1", "Theorem 2"],
    examples={"quick": 6, "default": 30, "thorough": 200},
    evidence=(
        f"From constructed saddles (Theorem 2's generator, H = 2 or 3), a seeded run of "
        f"{_LEMMA7_STEPS} steps escapes when its loss ends at least λ/4 below the saddle's "
        "(λ: the eigenvalue of the escape direction; the global minimum lies ≥ λ/2 lower) "
        "with rank(ℜ) above the saddle's. A run still at the saddle at the horizon is "
        "undecided, never a refutation (escape times grow as the saddle flattens: H = 3)."
    ),
    tolerance="numerical rank, threshold √eps·σ₁ (after noise the exact rank is full almost "
    "surely: only the thresholded count, as in Section 7, says anything), a failure decided "
    "with margin ≥ 100 certified; escape: L_T ≤ L_saddle − λ/4",
)
def lemma_7(c: Check, X, Y, W, S, D, lam, eta, sigma, seed) -> None:
    from rankclaims.claims._core import Undecided

    r0 = c.rank(product(W), "rank(ℜ) at the saddle", notion="numerical")
    l0 = float(loss(W, X, Y))
    losses, _, ws, diverged = _pgd_run(
        W, X, Y, eta=eta, sigma=sigma, steps=_LEMMA7_STEPS, seed=seed
    )
    c.premise(not diverged, "the run stays bounded (step size below the curvature)")
    r1 = c.rank(product(ws), "rank(ℜ) at the end", notion="numerical")
    drop = (l0 - losses[-1]) / lam
    c.tightness("loss decrease / λ", drop, minimize=True)
    if drop < 0.25:
        raise Undecided(f"still near the saddle after {_LEMMA7_STEPS} steps (drop {drop:.3g}·λ)")
    c.holds(r1 > r0, "rank(ℜ) increased on escaping")


# ---------------------------------------------------------------------------------------
# Lemma 4: SGD as perturbed gradient descent (probabilistic)
# ---------------------------------------------------------------------------------------


@st.composite
def _minibatch_problems(draw: st.DrawFn) -> dict:
    """Least squares ½‖Xw − y‖²/m on m samples (rows of X, integer-valued with possible
    outliers), a parameter w, minibatch size b, noise σ and confidence δ."""
    m = draw(st.integers(2, 7))
    d = draw(st.integers(1, 3))
    x = np.asarray(draw(st.lists(st.integers(-5, 5), min_size=m * d, max_size=m * d)), float)
    y = np.asarray(draw(st.lists(st.integers(-20, 20), min_size=m, max_size=m)), float)
    w = np.asarray(draw(st.lists(st.integers(-3, 3), min_size=d, max_size=d)), float)
    return {
        "X": x.reshape(m, d),
        "y": y,
        "w": w,
        "b": draw(st.integers(1, m - 1)),
        "sigma": 10.0 ** draw(st.floats(-3, 1)),
        "delta": draw(st.floats(0.01, 0.99)),
        "seed": draw(gen.seeds()),
    }


_LEMMA4_TRIALS = 4000


@claim(
    PAPER,
    "Lemma 4",
    statement=(
        "Under Property 1 (E[‖g − G‖]₂² ≤ γ), with probability at least 1 − δ, "
        "‖ĝ − g‖₂ ≤ √(dσ² + γ)/δ, where g is the minibatch gradient, "
        "ĝ = G + N(0, σ²I_d) the perturbed full-batch gradient and d the dimension of g."
    ),
    hypotheses=[
        "Property 1, read as printed: (E‖g − G‖)² ≤ γ; γ is set to (E‖g − G‖)², the "
        "smallest value allowed (it is ≤ E‖g − G‖², so the mean-square reading of the "
        "proof is implied)",
        "g: the gradient of a uniformly drawn minibatch of size b, independent of the noise",
        "0 < δ < 1, σ > 0",
    ],
    kind="probabilistic",
    given=_minibatch_problems(),
    examples={"quick": 15, "default": 100, "thorough": 1000},
    evidence=(
        "For least squares on m ≤ 7 samples every minibatch is enumerated, so G, the law "
        f"of g and γ are exact. {_LEMMA4_TRIALS} independent draws of (minibatch, noise) "
        "estimate P(‖ĝ − g‖ ≤ √(dσ² + γ)/δ); one-sided Clopper-Pearson bounds at level "
        "1e-6 per example (so a false refutation over a whole thorough run stays below "
        "1e-3): refuted if the upper bound is below 1 − δ, decided if the lower bound is "
        "above it. Tightness: the worst P̂(violation)/δ."
    ),
    tolerance="one-sided Clopper-Pearson, α = 1e-6 per example",
)
def lemma_4(c: Check, X, y, w, b, sigma, delta, seed) -> None:
    from itertools import combinations

    m, d = X.shape
    resid = X @ w - y
    per_sample = X * resid[:, None]  # ∇ of ½(x_iᵀw − y_i)²
    big_g = per_sample.mean(axis=0)
    batches = np.array(list(combinations(range(m), b)))
    g_all = per_sample[batches].mean(axis=1)
    gamma = float(np.linalg.norm(g_all - big_g, axis=1).mean()) ** 2
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(batches), size=_LEMMA4_TRIALS)
    g_hat = big_g + sigma * rng.standard_normal((_LEMMA4_TRIALS, d))
    dist = np.linalg.norm(g_hat - g_all[pick], axis=1)
    bound = math.sqrt(d * sigma**2 + gamma) / delta
    ok = int(np.sum(dist <= bound))
    c.tightness("P̂(‖ĝ − g‖ > bound)/δ", (_LEMMA4_TRIALS - ok) / _LEMMA4_TRIALS / delta)
    c.frequency_at_least(ok, _LEMMA4_TRIALS, 1 - delta, "P(‖ĝ − g‖₂ ≤ √(dσ² + γ)/δ)")


# ---------------------------------------------------------------------------------------
# Lemma 5 and the output-noise remark: gradients under input/output noise (autograd)
# ---------------------------------------------------------------------------------------


@st.composite
def _noisy_networks(draw: st.DrawFn, *, where: str) -> dict:
    h = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 4), min_size=h + 1, max_size=h + 1))
    m = draw(st.integers(1, 5))
    ws = draw(gen.deep_linear_networks(widths=widths, init="gaussian", scale=1.0))
    x = draw(gen.matrices((widths[0], m), rank=st.integers(0, min(widths[0], m))))
    y = draw(gen.matrices((widths[-1], m), rank=st.integers(0, min(widths[-1], m))))
    shape = x.shape if where == "input" else y.shape
    scale = 10.0 ** draw(st.floats(-6, 2))
    eps = draw(gen.smoothed(np.zeros(shape), scale=scale))
    return {"W": ws, "X": x, "Y": y, "epsilon": eps}


def _autograd_gradients(ws, x, y) -> list[np.ndarray]:
    import torch

    params = [torch.tensor(w, requires_grad=True) for w in ws]
    r = params[0]
    for p in params[1:]:
        r = p @ r
    lval = 0.5 * ((r @ torch.from_numpy(x) - torch.from_numpy(y)) ** 2).sum()
    lval.backward()
    return [p.grad.numpy() for p in params]


def _fro(a) -> float:
    return float(np.linalg.norm(a)) if np.size(a) else 0.0


def _sandwich(ws, i):
    """(ℜ_ℓ^i, ℜ_r^i) = (W_{i+1}ᵀ⋯W_Hᵀ, W_1ᵀ⋯W_{i−1}ᵀ) for 0-based layer i, identities
    when empty."""
    left = np.eye(ws[i].shape[0])
    for w in ws[i + 1 :]:
        left = left @ w.T
    right = np.eye(ws[0].shape[1])
    for w in ws[:i]:
        right = right @ w.T
    return left, right


_LEMMA5_TOL = (
    "‖∇L(X̃) − ∇L(X) − φ‖_F ≤ 16·(H + 4)·max_i d_i·eps × (‖ℜ_ℓ‖‖ℜ_r‖(‖ℜ‖‖X̃‖² + "
    "‖ℜ‖‖X‖² + ‖Y‖‖X̃‖ + ‖Y‖‖X‖)), Frobenius norms: the rounding of both gradients"
)


@claim(
    PAPER,
    "Lemma 5",
    statement=(
        "Training a deep linear network with noise added to the input, X + ε, is training "
        "with perturbed gradients: ∂L/∂W_i|_{X+ε} = ∂L/∂W_i|_X + φ, "
        "φ = ℜ_ℓ^i[ℜεXᵀ + ℜXεᵀ + ℜεεᵀ − Yεᵀ]ℜ_r^i, ℜ_ℓ^i = W_{i+1}ᵀ⋯W_Hᵀ, "
        "ℜ_r^i = W_1ᵀ⋯W_{i−1}ᵀ."
    ),
    hypotheses=["any depth H ≥ 1 and widths, any X, Y, any input noise ε (d_x × m)"],
    kind="identity",
    given=_noisy_networks(where="input"),
    evidence=(
        "Both gradients by PyTorch autograd (float64) on the loss ½‖ℜX − Y‖_F², compared "
        "with φ computed from the printed formula, for every layer i. The printed 'Rεεᵀ' "
        "is read as ℜεεᵀ (the proof's expansion has ℜ). The noise scale spans 1e-6 to 1e2."
    ),
    tolerance=_LEMMA5_TOL,
)
def lemma_5(c: Check, W, X, Y, epsilon) -> None:
    _noise_identity(c, W, X, Y, epsilon, where="input")


@claim(
    PAPER,
    "Lemma 5 (output-noise remark)",
    statement=(
        "With noise added to the output, Y + ε, the gradient is again a perturbed "
        "gradient: ∂L/∂W_i|_{Y+ε} = ∂L/∂W_i|_Y + ψ, ψ = −ℜ_ℓ^i ε Xᵀ ℜ_r^i (the paper gives "
        "no formula; ψ is the one its Eq. 15 implies)."
    ),
    hypotheses=["any depth H ≥ 1 and widths, any X, Y, any output noise ε (d_y × m)"],
    kind="identity",
    given=_noisy_networks(where="output"),
    depends_on=["Lemma 5"],
    evidence="As for Lemma 5, with the noise on Y.",
    tolerance=_LEMMA5_TOL,
)
def lemma_5_output(c: Check, W, X, Y, epsilon) -> None:
    _noise_identity(c, W, X, Y, epsilon, where="output")


def _lemma5_bracket(r, x, y, eps):
    """The bracket of Lemma 5's φ: ℜεXᵀ + ℜXεᵀ + ℜεεᵀ − Yεᵀ."""
    return r @ eps @ x.T + r @ x @ eps.T + r @ eps @ eps.T - y @ eps.T


def _noise_identity(c: Check, W, X, Y, epsilon, *, where: str) -> None:
    r = product(W)
    if where == "input":
        noisy = _autograd_gradients(W, X + epsilon, Y)
        x_t = X + epsilon
    else:
        noisy = _autograd_gradients(W, X, Y + epsilon)
        x_t = X
    clean = _autograd_gradients(W, X, Y)
    h = len(W)
    dmax = max(max(w.shape) for w in W)
    tol = 16 * (h + 4) * dmax * EPS
    for i in range(h):
        left, right = _sandwich(W, i)
        if where == "input":
            inner = _lemma5_bracket(r, X, Y, epsilon)
            y_n = _fro(Y)
        else:
            inner = -epsilon @ X.T
            y_n = _fro(Y) + _fro(epsilon)
        phi = left @ inner @ right
        scale = (
            _fro(left)
            * _fro(right)
            * (_fro(r) * (_fro(x_t) ** 2 + _fro(X) ** 2) + y_n * (_fro(x_t) + _fro(X)))
        )
        c.close(noisy[i], clean[i] + phi, f"∂L/∂W_{i + 1} identity", tol=tol, scale=scale)


# ---------------------------------------------------------------------------------------
# Lemma 6 and Eq. 21: Gaussian dropout against input noise
# ---------------------------------------------------------------------------------------


def _dropout_penalty(w1, w2, x, sigma2):
    """E_G‖Y − (W_2⊙G)W_1X‖² − ‖Y − W_2W_1X‖² = σ² Σ_{i,k} W2_ik² ‖(W_1X)_k,:‖²: entries
    of G independent with mean 1 and variance σ², so each output entry's variance is
    σ² Σ_k W2_ik² (W_1X)_kj² (exact for fractions)."""
    z = w1 @ x
    return sigma2 * ((w2 * w2) @ (z * z)).sum()


def _sq(a):
    return (a * a).sum()


@st.composite
def _dropout_problems(draw: st.DrawFn, *, pairs: bool) -> dict:
    dx, d1, dy, m = (draw(st.integers(1, 3)) for _ in range(4))
    out = {
        "W_1": draw(gen.integer_matrices((d1, dx), **_INT)),
        "W_2": draw(gen.integer_matrices((dy, d1), **_INT)),
        "X": draw(gen.integer_matrices((dx, m), **_INT)),
        "Y": draw(gen.integer_matrices((dy, m), **_INT)),
        "sigma": draw(st.sampled_from([0.5, 1.0, 0.25, 2.0])),
    }
    if pairs:
        out["W_1b"] = draw(gen.integer_matrices((d1, dx), **_INT))
        out["W_2b"] = draw(gen.integer_matrices((dy, d1), **_INT))
    else:
        out["seed"] = draw(gen.seeds())
    return out


@claim(
    PAPER,
    "Lemma 6",
    statement=(
        "Let E[εεᵀ] = βI, β > 0. Then the loss of a linear network with Gaussian dropout "
        "G ~ N(1, σ²) is the same as the loss of a network with ε added to the input."
    ),
    hypotheses=[
        "two-layer linear network, dropout on W_2 as in the proof: (W_2 ⊙ G)W_1X",
        "input noise as in the proof (Eq. 22-26): Y − W_2W_1X(I + ε), E[ε] = 0, E[εεᵀ] = βI",
        "'the same': one β > 0 for which the two expected losses agree at every W",
    ],
    kind="identity",
    given=_dropout_problems(pairs=True),
    depends_on=["Lemma 6 (corrected)"],
    exact=True,
    expect="refuted",
    counterexamples=[
        {
            "W_1": np.array([[1], [-1]]),
            "W_2": np.array([[1, 1]]),
            "X": np.array([[1]]),
            "Y": np.array([[0]]),
            "sigma": 1.0,
            "W_1b": np.array([[1], [-1]]),
            "W_2b": np.array([[1, 1]]),
        }
    ],
    evidence=(
        "Expected losses in closed form (exact over the rationals for integer weights and "
        "data): dropout gives ‖Y − W_2W_1X‖² + σ²Σ_{i,k} W2_ik²‖(W_1X)_k‖² (Lemma 6 "
        "(corrected), confirmed by Monte Carlo), input noise gives ‖Y − W_2W_1X‖² + "
        "β‖W_2W_1X‖² (Eq. 26). The β that matches at W is forced; the claim fails when no β "
        "matches at W (W_2W_1X = 0 with a positive dropout penalty) or when the β forced at "
        "W does not match at a second W'. Certified by exact rational arithmetic."
    ),
    tolerance="float64 relative 64·eps·(d_1 + m); any failure re-checked exactly",
)
def lemma_6(c: Check, W_1, W_2, X, Y, sigma, W_1b, W_2b) -> None:
    s2 = sigma * sigma
    base = _sq(Y - W_2 @ W_1 @ X)
    drop = base + _dropout_penalty(W_1, W_2, X, s2)
    q = _sq(W_2 @ W_1 @ X)
    if q == 0:
        c.holds(
            drop == base,
            "some β > 0 matches at W: but ‖W_2W_1X‖ = 0 while the dropout penalty is > 0",
            certain=c.exact,
        )
        return
    beta = (drop - base) / q
    c.premise(beta > 0, "β > 0")
    base_b = _sq(Y - W_2b @ W_1b @ X)
    drop_b = base_b + _dropout_penalty(W_1b, W_2b, X, s2)
    inp_b = base_b + beta * _sq(W_2b @ W_1b @ X)
    tol = 64 * EPS * (W_1.shape[0] + X.shape[1])
    c.close(drop_b, inp_b, "E_G L_dropout(W') = E_ε L_input(W'; β forced at W)", tol=tol)


_MC = 20000


@claim(
    PAPER,
    "Lemma 6 (corrected)",
    statement=(
        "E_G‖Y − (W_2 ⊙ G)W_1X‖_F² = ‖Y − W_2W_1X‖_F² + σ² Σ_{i,k} W2_ik² ‖(W_1X)_k,:‖², "
        "G_ik ~ N(1, σ²) independent: a data-weighted penalty, equal to the input-noise "
        "penalty β‖W_2W_1X‖² only in special cases (e.g. d_1 = 1)."
    ),
    hypotheses=["two-layer linear network, Gaussian dropout on W_2 (as in Eq. 17)"],
    kind="probabilistic",
    given=_dropout_problems(pairs=False),
    examples={"quick": 10, "default": 60, "thorough": 400},
    evidence=(
        f"Monte Carlo over {_MC} draws of G (generators.gaussian_dropout_masks' law) per "
        "example: the sample mean of the loss is compared with the closed form by a "
        "two-sided z interval at level 1e-6."
    ),
    tolerance="z interval, α = 1e-6 per example",
)
def lemma_6_corrected(c: Check, W_1, W_2, X, Y, sigma, seed) -> None:
    samples = _dropout_samples(W_1, W_2, X, Y, sigma, seed)
    expected = float(_sq(Y - W_2 @ W_1 @ X) + _dropout_penalty(W_1, W_2, X, sigma**2))
    c.mean_close(samples, expected, "E_G loss = closed form")


def _dropout_samples(w1, w2, x, y, sigma, seed):
    rng = np.random.default_rng(seed)
    g = 1.0 + sigma * rng.standard_normal((_MC, *w2.shape))
    out = (w2[None] * g) @ (w1 @ x)[None]
    return ((y[None] - out) ** 2).sum(axis=(1, 2))


@claim(
    PAPER,
    "Eq. 21",
    statement=(
        "E_G‖Y − (W_2 ⊙ G)W_1X‖_F² = ‖Y − W_2W_1X‖_F² + σ²‖W_2W_1X‖_F² (the step of "
        "Lemma 6's proof that equates dropout with input noise)."
    ),
    hypotheses=["two-layer linear network, Gaussian dropout on W_2, G_ik ~ N(1, σ²)"],
    kind="probabilistic",
    given=_dropout_problems(pairs=False),
    expect="refuted",
    counterexamples=[
        {
            "W_1": np.array([[1], [-1]]),
            "W_2": np.array([[1, 1]]),
            "X": np.array([[1]]),
            "Y": np.array([[0]]),
            "sigma": 1.0,
            "seed": 0,
        }
    ],
    examples={"quick": 10, "default": 60, "thorough": 400},
    evidence=(
        f"Monte Carlo over {_MC} draws of G per example, two-sided z interval at level "
        "1e-6. The proof's E[g_ki g_kj] swaps its cases (it is 1 + σ² when i = j) and "
        "drops the row structure of W_2."
    ),
    tolerance="z interval, α = 1e-6 per example",
)
def eq_21(c: Check, W_1, W_2, X, Y, sigma, seed) -> None:
    samples = _dropout_samples(W_1, W_2, X, Y, sigma, seed)
    printed = float(_sq(Y - W_2 @ W_1 @ X) + sigma**2 * _sq(W_2 @ W_1 @ X))
    c.mean_close(samples, printed, "E_G loss = Eq. 21")


# ---------------------------------------------------------------------------------------
# Section 7: rank of the product under GD and perturbed GD (scaled down, with a figure)
# ---------------------------------------------------------------------------------------

_S7 = {"dx": 100, "dy": 25, "m": 100, "d1": 50, "iterations": 50, "sigma": 1e-2}


def _section7_runs(seed: int, init: str) -> dict[str, np.ndarray]:
    """Products ℜ^t, t = 0..50, of GD and of PGD (entrywise noise) on a synthetic dataset
    with XXᵀ and XYᵀ full rank, the paper's 1000×500×250 network scaled down tenfold."""
    from rankclaims.kernels import matrix_rank

    rng = np.random.default_rng(seed)
    dx, dy, m, d1 = _S7["dx"], _S7["dy"], _S7["m"], _S7["d1"]
    x = rng.standard_normal((dx, m))
    y = rng.standard_normal((dy, dx)) @ x / math.sqrt(dx) + 0.1 * rng.standard_normal((dy, m))
    if init == "zero":
        w0 = [np.zeros((d1, dx)), np.zeros((dy, d1))]
    else:  # PyTorch's default scale: N(0, 1/fan_in)
        w0 = [
            rng.standard_normal((d1, dx)) / math.sqrt(dx),
            rng.standard_normal((dy, d1)) / math.sqrt(d1),
        ]
    eta = 0.5 / float(np.linalg.eigvalsh(x @ x.T)[-1])
    out: dict[str, np.ndarray] = {"X": x, "Y": y}
    for name, sigma in (("GD", 0.0), ("PGD", _S7["sigma"])):
        ws, prods = list(w0), [product(w0)]
        for _ in range(_S7["iterations"]):
            noise = [sigma * rng.standard_normal(w.shape) for w in ws]
            ws = pgd_step(ws, x, y, eta, noise)
            prods.append(product(ws))
        stack = np.stack(prods)
        d = matrix_rank(stack, rtol=float(np.sqrt(EPS)), return_decision=True)
        out[name] = stack
        out[name + "_rank"] = np.asarray(d.rank)
        out[name + "_margin"] = np.asarray(d.margin)
    return out


def _section7_check(c: Check, seed: int, init: str) -> None:
    runs = _section7_runs(seed, init)
    dy = _S7["dy"]
    c.premise(
        c.rank(runs["X"] @ runs["X"].T, "rank(XXᵀ)") == _S7["dx"]
        and c.rank(runs["X"] @ runs["Y"].T, "rank(XYᵀ)") == dy,
        "XXᵀ and XYᵀ full rank",
    )
    it = list(range(_S7["iterations"] + 1))
    c.figure(
        Figure(
            title=f"Section 7, {init} initialisation: rank of ℜ = W_2W_1 during training",
            xlabel="full-batch iteration",
            ylabel="rank(ℜ) (threshold √eps·σ₁)",
            series=[
                {"label": "gradient descent", "x": it, "y": runs["GD_rank"].tolist()},
                {"label": "perturbed GD (σ = 0.01)", "x": it, "y": runs["PGD_rank"].tolist()},
            ],
            caption=(
                f"d_x = m = {_S7['dx']}, d_1 = {_S7['d1']}, d_y = {dy} (the paper's "
                "1000×500×250 with 1000 samples, scaled down tenfold); η = 0.5/λ_max(XXᵀ)."
            ),
        )
    )
    gd_final = c.rank(runs["GD"][-1], "rank(ℜ) after GD", notion="numerical")
    pgd_final = c.rank(runs["PGD"][-1], "rank(ℜ) after PGD", notion="numerical")
    c.fact(f"final ranks ({init} init)", f"GD {gd_final}, PGD {pgd_final} of {dy}")
    c.holds(pgd_final == dy, f"perturbed GD reaches full rank {dy}")
    c.holds(gd_final < dy, f"gradient descent does not reach full rank {dy}")


_S7_STATEMENT = (
    "On synthetic data with XXᵀ and XYᵀ full rank (X: 1000 dimensions, Y: 250, 1000 "
    "samples; network 1000×500×250; 50 full-batch iterations), perturbed gradient descent "
    "drives the product of the weight matrices to its full rank 250; standard gradient "
    "descent does not."
)
_S7_EVIDENCE = (
    "A seeded, tenfold scaled-down run (100×50×25, 100 samples) of GD and of Algorithm 1 "
    "with entrywise noise σ = 0.01, η = 0.5/λ_max(XXᵀ); the numerical rank of ℜ^t at "
    "threshold √eps·σ₁ (the paper does not state its threshold or its initialisation), "
    "decided with margins at every iteration; the figure shows both trajectories. The rank "
    "here is the experiment's numerical rank, so a failure decided with a margin of at "
    "least 100 error bounds is certified."
)


@claim(
    PAPER,
    "Section 7 (experiment)",
    statement=_S7_STATEMENT,
    hypotheses=["initialisation: PyTorch's default scale, W_i ~ N(0, 1/d_{i−1}) (not stated)"],
    kind="asymptotic",
    given=st.just({"seed": 2018, "init": "gaussian"}),
    depends_on=["Theorem 1"],
    expect="refuted",
    examples={"quick": 1, "default": 1, "thorough": 1},
    evidence=_S7_EVIDENCE
    + " From a generic (Gaussian) initialisation ℜ^0 already has full rank, and plain GD "
    "keeps it: the 'GD does not' half depends on an initialisation the paper does not give.",
    tolerance="numerical rank threshold √eps·σ₁ (float64), decided with margin > 1",
)
def section_7(c: Check, seed: int, init: str) -> None:
    _section7_check(c, seed, init)


@claim(
    PAPER,
    "Section 7 (zero initialisation)",
    statement=_S7_STATEMENT.replace("On synthetic data", "From W = 0, on synthetic data"),
    hypotheses=["initialisation W_1 = W_2 = 0: a saddle point (rank(ℜ) = 0)"],
    kind="asymptotic",
    given=st.just({"seed": 2018, "init": "zero"}),
    depends_on=["Theorem 1", "Lemma 7"],
    examples={"quick": 1, "default": 1, "thorough": 1},
    evidence=_S7_EVIDENCE
    + " From W = 0 every gradient vanishes: GD stays at rank 0, while the noise of "
    "Algorithm 1 lifts ℜ to full rank, which is the behaviour the paper's Figure 1 shows.",
    tolerance="numerical rank threshold √eps·σ₁ (float64), decided with margin > 1",
    equivalent_mutants={
        "rank±1 rank(ℜ) after GD": "GD stays at rank 0 and the conclusion is rank < 25: a "
        "rank off by one (1 or −1) cannot break a bound with slack 25. The PGD "
        "rank's mutants, at the other conclusion, are killed.",
    },
)
def section_7_zero(c: Check, seed: int, init: str) -> None:
    _section7_check(c, seed, init)
