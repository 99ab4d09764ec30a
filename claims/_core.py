"""Claim declarations and the evidence a check gathers.

A claim is declared once, with :func:`claim`, next to the function that checks it::

    @claim(
        "sankar2018", "Lemma 3",
        statement="r_{AB̂} ≥ r_{AB}",
        hypotheses=["A ∈ ℝ^{m×n}, B, B̂ ∈ ℝ^{n×p}", "r_B̂ = r_B + k, k ≥ 0", ...],
        kind="rank",
        given=lemma3_inputs(),          # a Hypothesis strategy of dicts: paper name -> value
        exact=True,                      # the check also runs on exact rationals
    )
    def lemma_3(c, A, B, B_hat, k):
        c.holds(c.rank(A @ B_hat, "r_AB̂") >= c.rank(A @ B, "r_AB"), "r_{AB̂} ≥ r_{AB}")

The check receives a :class:`Check` and the drawn inputs by name. It states premises
(:meth:`Check.premise`), decides ranks with margins (:meth:`Check.rank`), compares the two
sides of identities and inequalities (:meth:`Check.close`, :meth:`Check.leq`), tests Monte
Carlo frequencies (:meth:`Check.frequency_at_least`) and states the conclusion
(:meth:`Check.holds`). The runner (:mod:`rankclaims.claims._runner`) turns what the check
raised and recorded, over all examples, into a verdict.

Semantics of one example (DESIGN.md):

- a premise that fails: the example does not count towards the verdict (``premise_rate``);
- a rank inside the floating-point grey zone, an interval that straddles its bound: the
  example is *undecided*: never a pass, never a refutation;
- a conclusion that fails in floating point is a refutation only once *certified*: the same
  check re-run on the exact rationals the floats denote (``exact=True`` claims), or a failure
  whose margin is far beyond the tolerance (``CERTIFY_MARGIN``), or a confidence bound;
  a failure that cannot be certified counts as undecided.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from rankclaims.claims._mutation import begin_example, site_operator
from rankclaims.kernels import exact_rank, khatri_rao_rank, matrix_rank
from rankclaims.reports.model import KINDS, Figure

__all__ = [
    "CERTIFY_MARGIN",
    "Check",
    "Claim",
    "PremiseUnmet",
    "Undecided",
    "Violation",
    "claim",
    "get_claim",
    "paper_titles",
    "rank_rtol",
    "register_paper",
    "registry",
]

#: A failure decided only numerically refutes when it lies this many error bounds (rank
#: margins) or tolerances (identities, inequalities) beyond the line.
CERTIFY_MARGIN = 100.0


class PremiseUnmet(Exception):
    """The example does not satisfy the claim's hypotheses; it says nothing either way."""


class Undecided(Exception):
    """The numbers cannot decide this example (grey zone); never a pass or a refutation."""


class Violation(AssertionError):
    """The conclusion failed on this example (not yet certified).

    ``margin`` says how far beyond the line it failed: the smallest rank-decision margin
    involved, or the excess of an identity/inequality over its tolerance. ``exact`` is True
    when the failure was computed in exact rational arithmetic.
    """

    def __init__(
        self,
        message: str,
        *,
        margin: float,
        exact: bool,
        statistical: bool = False,
        needs_exact: bool = False,
        certificate: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.margin = margin
        self.exact = exact
        self.statistical = statistical
        self.needs_exact = needs_exact
        self.certificate = certificate


def rank_rtol(dtype: Any) -> float:
    """The relative rank threshold the claims use: ``sqrt(eps)`` of the dtype.

    Singular values below ``sqrt(eps)·σ₁`` count as zero. It sits halfway (geometrically)
    between the SVD's error (a few ``eps·σ₁``) and ``σ₁``, so a decision needs every singular
    value clear of it by more than the error bound: for float64, rtol ≈ 1.5e-8.
    """
    dt = np.dtype(dtype)
    if dt.kind != "f":
        dt = np.dtype(np.float64)
    return float(np.sqrt(np.finfo(dt).eps))


@dataclass
class _ExampleRecord:
    """What one run of a check recorded (merged into the claim's statistics)."""

    margins: dict[str, float] = field(default_factory=dict)
    ratios: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    errors: dict[str, float] = field(default_factory=dict)
    confidence: dict[str, Any] | None = None
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    tight: dict[str, tuple[float, bool]] = field(default_factory=dict)
    #: a rank of the paper's exact notion was estimated in floating point: a failure that
    #: rests on it is certified only by exact recomputation
    exact_rank_estimated: bool = False
    #: name -> the category this example falls in (counted over examples by the runner)
    tallies: dict[str, str] = field(default_factory=dict)


class Check:
    """The evidence-gathering context a claim's check receives.

    ``exact`` is True when the check runs on exact rationals (certifying a refutation):
    inputs are then NumPy object arrays of :class:`fractions.Fraction` and Python
    ``Fraction`` scalars, and :meth:`rank` is :func:`rankclaims.kernels.exact_rank`.
    """

    def __init__(self, *, exact: bool = False, record: _ExampleRecord | None = None) -> None:
        self.exact = exact
        self.record = record if record is not None else _ExampleRecord()
        begin_example()

    # -- premises -----------------------------------------------------------------------
    def premise(self, condition: bool, what: str, *, nonvacuity: bool = False) -> None:
        """The example meets the hypothesis ``what`` only if ``condition``; else it is
        set aside (counted in ``premise_rate``).

        ``nonvacuity=True`` says the condition is not a hypothesis of the paper but sets
        aside examples on which the conclusion holds trivially or is undefined (a rank bound
        no smaller than the matrix, a bound divided by zero): mutation analysis does not
        drop it, since dropping it cannot make the claim false.
        """
        ok = bool(condition)
        # a guard is a site of its own kind: the census sees it, no operator mutates it
        if site_operator("guard" if nonvacuity else "premise", what, unmet=not ok) == "drop":
            return
        if not ok:
            raise PremiseUnmet(what)

    # -- ranks ---------------------------------------------------------------------------
    def rank(self, a: Any, name: str, *, rtol: float | None = None, notion: str = "exact") -> int:
        """Rank of the matrix ``a``, decided with a margin (or exactly in exact mode).

        Float mode: :func:`rankclaims.kernels.matrix_rank` with relative threshold ``rtol``
        (default :func:`rank_rtol` of the dtype); a decision inside the grey zone raises
        :class:`Undecided`. The margin is recorded under ``name``.

        ``notion="exact"`` (the default) means the paper speaks of the exact rank: a float
        decision supports a pass, but a failure resting on it counts as a refutation only
        once the check, re-run on exact rationals, fails too (a float cannot tell a zero
        singular value from a tiny one). ``notion="numerical"`` means the paper's rank *is*
        the thresholded count (an experiment's numerical rank): a failure decided with a
        margin of at least ``CERTIFY_MARGIN`` is then certified.

        A stack of matrices (``a`` of shape ``(..., m, n)``) gives an integer array, decided
        by one kernel call: its margin is the smallest, and one member in the grey zone makes
        the example undecided (in a batched claim's :class:`BatchCheck` the leading axis is
        the batch of instances instead).
        """
        op = site_operator("rank", name)
        r = self._rank(a, name, rtol=rtol, notion=notion)
        # the mutants of mutation analysis: a rank off by one (−1 of rank 0 is −1, not 0,
        # so that the mutant differs from the claim)
        return r + 1 if op == "rank+1" else (r - 1 if op == "rank-1" else r)

    def _rank(self, a: Any, name: str, *, rtol: float | None, notion: str) -> Any:
        if notion not in ("exact", "numerical"):
            raise ValueError(f"notion={notion!r} must be 'exact' or 'numerical'")
        if self.exact:
            r = exact_rank(a)
            return int(r) if np.ndim(r) == 0 else np.asarray(r)
        arr = np.asarray(a)
        if arr.dtype == object:
            arr = arr.astype(np.float64)
        tol = rank_rtol(arr.dtype) if rtol is None else rtol
        d = matrix_rank(arr, rtol=tol, return_decision=True)
        if arr.ndim > 2:  # a stack of matrices: one call, one margin, any undecided undecides
            return self._ranks(d, arr, name, notion)
        margin = float(d.margin)
        self._margin(name, margin)
        if not bool(d.decided):
            raise Undecided(f"rank of {name} in the grey zone (margin {margin:.3g} <= 1)")
        rank = int(d.rank)
        if notion == "exact" and rank < min(arr.shape[-2:]):
            # a decided float rank certifies the exact rank from below (every counted
            # singular value exceeds its error), never from above: a small singular value
            # may still be exactly zero or not
            self.record.exact_rank_estimated = True
        return rank

    def _ranks(self, d: Any, arr: np.ndarray, name: str, notion: str) -> np.ndarray:
        """The ranks of a stack of matrices (leading axes), decided by one kernel call."""
        margins = np.asarray(d.margin, dtype=np.float64)
        margin = float(margins.min()) if margins.size else math.inf
        self._margin(name, margin)
        decided = np.asarray(d.decided, dtype=bool)
        if not decided.all():
            raise Undecided(
                f"rank of {name} in the grey zone for {int((~decided).sum())} of "
                f"{decided.size} matrices (margin {margin:.3g} <= 1)"
            )
        ranks = np.asarray(d.rank, dtype=np.int64)
        if notion == "exact" and bool(np.any(ranks < min(arr.shape[-2:]))):
            self.record.exact_rank_estimated = True
        return ranks

    def rank_at_most(
        self, a: Any, bound: int, name: str, *, rtol: float | None = None, atol: float = 0.0
    ) -> int:
        """The conclusion ``rank(a) ≤ bound`` (the exact rank); returns the rank.

        An upper bound on the rank fails only when more than ``bound`` singular values are
        nonzero, and a float decision certifies exactly that: every singular value it
        counts exceeds the threshold by more than its error bound. So a failure decided
        with a margin of at least ``CERTIFY_MARGIN`` is certified without exact arithmetic
        (unlike :meth:`rank`, whose below-full decisions need it). In exact mode the rank
        is :func:`rankclaims.kernels.exact_rank`.

        This certifies the rank of the float matrix ``a``. When ``a`` is itself computed
        with rounding (a gradient, a product), pass ``atol``, a bound on that computation's
        error: singular values below it are not counted, so noise is never a failure.
        """
        if site_operator("rank_at_most", name) == "bound-1":
            bound -= 1
        if self.exact:
            r = int(exact_rank(a))
            self._holds(r <= bound, f"{name} = {r} ≤ {bound}", certain=True)
            return r
        arr = np.asarray(a)
        if arr.dtype == object:
            arr = arr.astype(np.float64)
        tol = rank_rtol(arr.dtype) if rtol is None else rtol
        d = matrix_rank(arr, rtol=tol, atol=float(atol), return_decision=True)
        margin = float(d.margin)
        self._margin(name, margin)
        if not bool(d.decided):
            raise Undecided(f"rank of {name} in the grey zone (margin {margin:.3g} <= 1)")
        r = int(d.rank)
        if r > bound:
            raise Violation(f"fails: {name} = {r} ≤ {bound}", margin=margin, exact=False)
        return r

    def _margin(self, name: str, margin: float) -> None:
        old = self.record.margins.get(name)
        self.record.margins[name] = margin if old is None else min(old, margin)

    def khatri_rao_rank(
        self, b: Any, c: Any, name: str, *, rtol: float | None = None, notion: str = "exact"
    ) -> Any:
        """Rank of the Khatri-Rao product ``B ∘ C`` (column-wise Kronecker, ``b``'s row index
        slowest), decided without forming it (or exactly in exact mode).

        Mirrors :meth:`rank`. Float mode: :func:`rankclaims.kernels.khatri_rao_rank` with
        relative threshold ``rtol`` (default :func:`rank_rtol` of the dtype), margin recorded
        under ``name``, :class:`Undecided` in the grey zone; the kernel stage that decided
        (``RankDecision.method``: ``formed-svd``, ``gram-eigh``, ...) is recorded and reaches
        the report as a tally over examples. Exact mode: the product of the ``Fraction``
        arrays is formed and ranked by :func:`rankclaims.kernels.exact_rank`. ``notion`` as in
        :meth:`rank`. A batch (leading dimensions, broadcast) returns an integer array; its
        margin is the smallest, and one undecided member makes the example undecided.
        """
        op = site_operator("khatri_rao_rank", name)
        r = self._khatri_rao_rank(b, c, name, rtol=rtol, notion=notion)
        if op == "rank+1":
            return r + 1
        if op == "rank-1":
            return r - 1
        return r

    def _khatri_rao_rank(
        self, b: Any, c: Any, name: str, *, rtol: float | None, notion: str
    ) -> Any:
        if notion not in ("exact", "numerical"):
            raise ValueError(f"notion={notion!r} must be 'exact' or 'numerical'")
        if self.exact:
            bb, cc = np.asarray(b, dtype=object), np.asarray(c, dtype=object)
            prod = bb[..., :, None, :] * cc[..., None, :, :]
            prod = prod.reshape(*prod.shape[:-3], prod.shape[-3] * prod.shape[-2], prod.shape[-1])
            self.tally(f"kernel deciding {name}", "exact (Bareiss on the formed product)")
            r = exact_rank(prod)
            return int(r) if np.ndim(r) == 0 else np.asarray(r)
        bb, cc = np.asarray(b), np.asarray(c)
        bb = bb.astype(np.float64) if bb.dtype == object else bb
        cc = cc.astype(np.float64) if cc.dtype == object else cc
        tol = rank_rtol(np.result_type(bb, cc)) if rtol is None else rtol
        d = khatri_rao_rank(bb, cc, rtol=tol, return_decision=True)
        margin = float(np.min(d.margin)) if np.size(d.margin) else math.inf
        self._margin(name, margin)
        decided = bool(np.all(d.decided))
        self.tally(f"kernel deciding {name}", d.method if decided else f"{d.method} (undecided)")
        if not decided:
            raise Undecided(f"rank of {name} in the grey zone (margin {margin:.3g} <= 1)")
        ranks = np.asarray(d.rank)
        full = min(bb.shape[-2] * cc.shape[-2], bb.shape[-1])
        if notion == "exact" and bool(np.any(ranks < full)):
            # as in rank(): a decided float rank bounds the exact rank from below only
            self.record.exact_rank_estimated = True
        return int(ranks) if ranks.ndim == 0 else ranks

    # -- identities and inequalities --------------------------------------------------------
    def close(
        self, lhs: Any, rhs: Any, name: str, *, tol: float, scale: float | None = None
    ) -> None:
        """The identity ``lhs = rhs``: ``‖lhs − rhs‖_F ≤ tol·scale`` in float mode (``scale``
        defaults to ``max(‖lhs‖_F, ‖rhs‖_F)``), exact equality in exact mode.

        Records the error ratio ``‖lhs − rhs‖/(tol·scale)`` (worst over examples is
        reported); a ratio above 1 is a violation with that margin.
        """
        if site_operator("close", name) == "perturb":
            rhs = _perturbed(lhs, rhs, tol, scale)
        if self.exact:
            a, b = np.asarray(lhs, dtype=object), np.asarray(rhs, dtype=object)
            if a.shape != b.shape or not bool(np.all(a == b)):
                raise Violation(
                    f"{name}: the two sides differ exactly", margin=math.inf, exact=True
                )
            return
        a = np.asarray(lhs, dtype=np.float64)
        b = np.asarray(rhs, dtype=np.float64)
        if a.shape != b.shape:
            raise Violation(
                f"{name}: shapes differ ({a.shape} vs {b.shape})", margin=math.inf, exact=False
            )
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise Undecided(f"{name}: non-finite values")
        err = float(np.linalg.norm((a - b).ravel()))
        if scale is None:
            scale = max(float(np.linalg.norm(a.ravel())), float(np.linalg.norm(b.ravel())))
        bound = tol * scale
        ratio = err / bound if bound > 0 else (0.0 if err == 0 else math.inf)
        old = self.record.errors.get(name)
        self.record.errors[name] = ratio if old is None else max(old, ratio)
        if ratio > 1:
            raise Violation(
                f"{name}: ‖lhs − rhs‖ = {err:.3g} exceeds the tolerance {bound:.3g} ({ratio:.3g}×)",
                margin=ratio,
                exact=False,
            )

    def leq(self, lhs: Any, rhs: Any, name: str, *, tol: float = 0.0, atol: float = 0.0) -> None:
        """The inequality ``lhs ≤ rhs`` (scalars), with slack ``tol·max(|lhs|, |rhs|) + atol``
        (``atol``: an absolute rounding floor of the two sides). A failure's margin is its
        excess ``(lhs − rhs)/slack`` (certified at ``CERTIFY_MARGIN``); with no slack stated
        the excess has no scale and a failure is certified only in exact mode.

        Records the ratio ``lhs/rhs`` (the tightness; the worst is reported and pushed up
        with ``hypothesis.target``). In exact mode the comparison is exact.
        """
        op = site_operator("leq", name)
        if op == "reverse":
            lhs, rhs = rhs, lhs
        elif op == "tighten":
            rhs = rhs - abs(rhs) / 2
        if self.exact:
            if not lhs <= rhs:
                raise Violation(f"{name}: {lhs} > {rhs} exactly", margin=math.inf, exact=True)
            return
        lhs_f, rhs_f = float(lhs), float(rhs)
        if not (math.isfinite(lhs_f) and math.isfinite(rhs_f)):
            raise Undecided(f"{name}: non-finite side ({lhs_f}, {rhs_f})")
        ratio = lhs_f / rhs_f if rhs_f > 0 else (0.0 if lhs_f <= 0 else math.inf)
        old = self.record.ratios.get(name)
        if old is None or ratio > old[0]:
            self.record.ratios[name] = (ratio, lhs_f, rhs_f)
        slack = tol * max(abs(lhs_f), abs(rhs_f)) + float(atol)
        if lhs_f > rhs_f + slack:
            # with no slack stated, the excess has no scale: not certifiable by margin
            excess = (lhs_f - rhs_f) / slack if slack > 0 else 0.0
            raise Violation(f"{name}: {lhs_f:.6g} > {rhs_f:.6g}", margin=excess, exact=False)

    # -- Monte Carlo ------------------------------------------------------------------------
    def frequency_at_least(
        self, successes: int, trials: int, p0: float, name: str, *, alpha: float = 1e-6
    ) -> None:
        """A probability bound ``P(event) ≥ p0`` tested on ``successes`` of ``trials``
        independent trials with one-sided Clopper-Pearson bounds at level ``alpha``.

        Upper bound below ``p0``: refuted with confidence ``1 − alpha``. Lower bound at or
        above ``p0``: decided in favour. Otherwise: undecided.
        """
        from scipy.stats import beta

        s, n = int(successes), int(trials)
        if site_operator("frequency_at_least", name) == "complement":
            s = n - s
        lo = 0.0 if s == 0 else float(beta.ppf(alpha, s, n - s + 1))
        hi = 1.0 if s == n else float(beta.ppf(1 - alpha, s + 1, n - s))
        self.record.confidence = {
            "statistic": name,
            "estimate": s / n,
            "lower": lo,
            "upper": hi,
            "confidence": 1 - alpha,
            "trials": n,
            "bound": p0,
            "method": "one-sided Clopper-Pearson",
        }
        if hi < p0:
            raise Violation(
                f"{name}: frequency {s}/{n}; upper confidence bound {hi:.4g} < {p0:.4g} "
                f"(confidence {1 - alpha:g})",
                margin=math.inf,
                exact=False,
                statistical=True,
                certificate=(
                    f"statistical: the one-sided Clopper-Pearson upper bound {hi:.4g} at "
                    f"confidence {1 - alpha:g} lies below {p0:.4g}"
                ),
            )
        if lo < p0:
            raise Undecided(f"{name}: {s}/{n}, interval [{lo:.4g}, {hi:.4g}] straddles {p0:.4g}")

    # -- conclusions ----------------------------------------------------------------------
    def holds(
        self,
        condition: bool,
        what: str,
        *,
        certain: bool = False,
        margin: float | None = None,
        certificate: str | None = None,
    ) -> None:
        """The conclusion ``what``.

        Its failure is a violation whose margin is ``margin`` if given, else the smallest
        rank margin recorded in this example. ``certain=True`` says ``condition`` was
        computed without rounding (exact zeros, integer counts of exact quantities), which
        certifies a failure by itself. ``certificate`` states, for empirical and asymptotic
        claims, what makes a failure of a seeded experiment conclusive.
        """
        if site_operator("holds", what) == "negate":
            condition = not bool(condition)
        self._holds(condition, what, certain=certain, margin=margin, certificate=certificate)

    def _holds(
        self,
        condition: bool,
        what: str,
        *,
        certain: bool = False,
        margin: float | None = None,
        certificate: str | None = None,
    ) -> None:
        if bool(condition):
            return
        if margin is None:
            # no rank decided: nothing measures how far the failure lies beyond rounding,
            # so only an exact (or certain) failure is certified
            margin = min(self.record.margins.values(), default=0.0)
        raise Violation(
            f"fails: {what}",
            margin=margin,
            exact=self.exact or certain,
            needs_exact=self.record.exact_rank_estimated and not certain,
            certificate=certificate,
        )

    def tightness(self, name: str, value: float, *, minimize: bool = False) -> None:
        """Record how close an example came to breaking the claim (reported as the worst
        over examples, and pushed towards the edge with ``hypothesis.target``):
        larger is tighter, or smaller when ``minimize``."""
        v = float(value)
        old = self.record.tight.get(name)
        if old is None or (v < old[0] if minimize else v > old[0]):
            self.record.tight[name] = (v, minimize)

    def mean_close(
        self,
        samples: Any,
        expected: float,
        name: str,
        *,
        alpha: float = 1e-6,
        slack: float = 0.0,
    ) -> None:
        """``E[X] = expected`` tested on i.i.d. ``samples`` of X: a two-sided z interval at
        level ``alpha`` (normal approximation, stated in the report), widened by ``slack``
        (the rounding error each sample may carry: a check cannot tell a bias of rounding
        size from a failure) and by 64 eps of the values. An interval excluding
        ``expected`` is a statistical violation; else the interval is recorded."""
        from scipy.stats import norm

        x = np.asarray(samples, dtype=np.float64).ravel()
        n = x.size
        if site_operator("mean_close", name) == "shift":
            expected = float(expected) + _spread(x) + abs(float(expected)) / 2
        mean = float(x.mean())
        se = float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else math.inf
        z = float(norm.ppf(1 - alpha / 2))
        scale = max(abs(mean), abs(float(expected)), 1e-300)
        half = z * se + float(slack) + 64 * np.finfo(np.float64).eps * scale
        widened = f", widened by {slack:.2g}" if slack else ""
        self.record.confidence = {
            "statistic": name,
            "estimate": mean,
            "lower": mean - half,
            "upper": mean + half,
            "confidence": 1 - alpha,
            "trials": n,
            "bound": float(expected),
            "method": f"two-sided z interval (normal approximation){widened}",
        }
        if abs(mean - expected) > half:
            raise Violation(
                f"{name}: sample mean {mean:.6g} ± {half:.3g} (confidence {1 - alpha:g}) "
                f"excludes {expected:.6g}",
                margin=math.inf,
                exact=False,
                statistical=True,
                certificate=(
                    f"statistical: the two-sided z interval [{mean - half:.6g}, "
                    f"{mean + half:.6g}] at confidence {1 - alpha:g}{widened} excludes "
                    f"{expected:.6g}"
                ),
            )

    def mean_at_least(
        self,
        samples: Any,
        bound: float,
        name: str,
        *,
        alpha: float = 1e-6,
        refute: bool = True,
        strict: bool = False,
    ) -> tuple[float, float, float]:
        """``E[X] ≥ bound`` (``> bound`` with ``strict``) on i.i.d. ``samples``: one-sided
        Student t bounds, each at level ``alpha``. Returns (mean, lower, upper).

        Lower bound ≥ ``bound``: decided in favour. Upper bound < ``bound``: a statistical
        violation (with ``refute=False``, undecided: a claim "for sufficiently small γ"
        cannot be refuted at one γ). Otherwise undecided; with ``strict`` a lower bound
        equal to ``bound`` is undecided too. Records the interval.
        """
        x = np.asarray(samples, dtype=np.float64).ravel()
        if site_operator("mean_at_least", name) == "reverse":  # E[X] ≤ bound instead
            return self._mean_at_least(
                float(bound) - x, 0.0, name, alpha=alpha, refute=refute, strict=strict
            )
        return self._mean_at_least(x, bound, name, alpha=alpha, refute=refute, strict=strict)

    def mean_at_most(
        self,
        samples: Any,
        bound: float,
        name: str,
        *,
        alpha: float = 1e-6,
        refute: bool = True,
        strict: bool = False,
    ) -> tuple[float, float, float]:
        """``E[X] ≤ bound`` (``< bound`` with ``strict``): :meth:`mean_at_least` on
        ``bound − X ≥ 0``; returns the (mean, lower, upper) of ``bound − X``."""
        x = np.asarray(samples, dtype=np.float64).ravel()
        if site_operator("mean_at_most", name) == "reverse":  # E[X] ≥ bound instead
            return self._mean_at_least(x, bound, name, alpha=alpha, refute=refute, strict=strict)
        return self._mean_at_least(
            float(bound) - x,
            0.0,
            f"{bound:.6g} − ({name})",
            alpha=alpha,
            refute=refute,
            strict=strict,
        )

    def _mean_at_least(
        self, x: Any, bound: float, name: str, *, alpha: float, refute: bool, strict: bool
    ) -> tuple[float, float, float]:
        mean, lo, hi, n = t_bounds(x, alpha)
        self.record.confidence = {
            "statistic": name,
            "estimate": mean,
            "lower": lo,
            "upper": hi,
            "confidence": 1 - alpha,
            "trials": n,
            "bound": float(bound),
            "method": "one-sided Student t bounds",
        }
        if hi < bound:
            msg = (
                f"{name}: mean {mean:.6g}, upper confidence bound {hi:.6g} < {bound:.6g} "
                f"(confidence {1 - alpha:g}, n = {n})"
            )
            if not refute:
                raise Undecided(msg + "; not a refutation at a single parameter value")
            raise Violation(
                msg,
                margin=math.inf,
                exact=False,
                statistical=True,
                certificate=(
                    f"statistical: the one-sided Student t upper bound {hi:.6g} at confidence "
                    f"{1 - alpha:g} (n = {n}) lies below {bound:.6g}"
                ),
            )
        if lo < bound or (strict and lo <= bound):
            raise Undecided(
                f"{name}: mean {mean:.6g}, interval [{lo:.6g}, {hi:.6g}] straddles {bound:.6g}"
            )
        return mean, lo, hi

    # -- reporting ------------------------------------------------------------------------
    def fact(self, name: str, value: Any) -> None:
        """Keep a value of this example (the last example's facts reach the report)."""
        self.record.facts[name] = value

    def tally(self, name: str, category: str) -> None:
        """Count this example under ``category`` of ``name``; the report gives the counts
        over all examples (e.g. how many searches reached a convergence point)."""
        self.record.tallies[name] = str(category)

    def note(self, text: str) -> None:
        self.record.notes.append(text)

    def figure(self, figure: Figure) -> None:
        self.record.figures.append(figure)


# -- declarations ---------------------------------------------------------------------------

_PAPERS: dict[str, str] = {}
_REGISTRY: dict[str, Claim] = {}


def register_paper(key: str, citation: str) -> str:
    """Declare a paper (its key and citation); returns the key."""
    _PAPERS[key] = citation
    return key


def paper_titles() -> dict[str, str]:
    return dict(_PAPERS)


def slug(label: str) -> str:
    """``"Corollary 2 (corrected)"`` -> ``"corollary-2-corrected"``."""
    s = re.sub(r"[^0-9a-zA-Z]+", "-", label.lower()).strip("-")
    return s or "claim"


@dataclass(frozen=True)
class Claim:
    """One statement of a paper, as declared with :func:`claim`."""

    id: str
    paper: str
    label: str
    statement: str
    hypotheses: tuple[str, ...]
    kind: str
    depends_on: tuple[str, ...]
    given: Any
    check: Callable[..., None]
    expect: str = "holds"
    counterexamples: tuple[Mapping[str, Any], ...] = ()
    exact: bool = False
    evidence: str = ""
    tolerance: str = ""
    examples: Mapping[str, int] | None = None
    min_premise_rate: float = 0.25
    requires: tuple[str, ...] = ()
    source: str = ""
    #: mutation analysis: why a mutant survives ("OPERATOR name-fragment" -> reason)
    mutant_notes: Mapping[str, str] | None = None
    #: mutation analysis: mutants that are true statements ("OPERATOR fragment" -> proof)
    equivalent_mutants: Mapping[str, str] | None = None
    #: time budget in seconds: one for every profile, or per profile (None: the profile's)
    budget: float | Mapping[str, float] | None = None

    @property
    def name(self) -> str:
        return self.id.split("/", 1)[1]

    @property
    def batched(self) -> bool:
        """Each example is a batch of instances (``given`` is a
        :func:`rankclaims.generators.batched` strategy)."""
        return bool(getattr(self.given, "rankclaims_batched", False))


def _ids(paper: str, labels: Iterable[str]) -> tuple[str, ...]:
    out = []
    for lab in labels:
        out.append(lab if "/" in lab else f"{paper}/{slug(lab)}")
    return tuple(out)


#: the verdicts a claim may declare as its expected one
EXPECTABLE = ("holds", "refuted", "inconclusive", "vacuous")


def claim(
    paper: str,
    label: str,
    *,
    statement: str,
    kind: str,
    given: Any,
    hypotheses: Iterable[str] = (),
    depends_on: Iterable[str] = (),
    expect: str = "holds",
    counterexamples: Iterable[Mapping[str, Any]] = (),
    exact: bool = False,
    evidence: str = "",
    tolerance: str = "",
    examples: Mapping[str, int] | None = None,
    min_premise_rate: float = 0.25,
    requires: Iterable[str] = (),
    mutant_notes: Mapping[str, str] | None = None,
    equivalent_mutants: Mapping[str, str] | None = None,
    budget: float | Mapping[str, float] | None = None,
) -> Callable[[Callable[..., None]], Claim]:
    """Declare a claim; decorates its check ``check(c: Check, **inputs)``.

    Parameters
    ----------
    paper, label
        The paper key and the label exactly as printed (``"Lemma 3"``, ``"Theorem 1"``;
        parts as ``"Lemma 1 (part 2)"``; variants as ``"Corollary 2 (corrected)"``).
    statement, hypotheses
        The statement in words and math, and its hypotheses (as the paper gives them).
    kind
        One of ``identity``, ``inequality``, ``rank``, ``almost-everywhere``,
        ``probabilistic``, ``asymptotic``.
    given
        A Hypothesis strategy of dicts mapping the paper's variable names to values; the
        check is called with them as keyword arguments.
    depends_on
        Labels (same paper) or ids (``paper/slug``) of the claims the proof uses.
    expect
        What the last verified run found: ``"holds"``, ``"refuted"``, or, for an experiment
        whose statistic cannot decide either way (or a premise the search never meets),
        ``"inconclusive"`` or ``"vacuous"``. ``pytest claims`` fails when a run disagrees;
        anything but ``"holds"`` is a strict xfail.
    counterexamples
        Certified counterexamples (dicts like the strategy's) of a refuted claim; each is
        re-checked on every run, so losing one turns ``pytest claims`` red.
    exact
        The check is polynomial in its inputs and may run on exact rationals: a float
        failure is then certified by re-running it exactly.
    evidence, tolerance
        What counts as evidence (the reading of the paper) and the tolerances, in words.
    examples
        Per-profile example counts overriding the profile's (``{"quick": 3, ...}``) for
        expensive checks.
    min_premise_rate
        Below this fraction of examples meeting the premise the verdict is ``vacuous``.
    requires
        ``("cuda",)`` for claims that need a GPU (``skipped`` without one).
    mutant_notes
        Why a mutant of mutation analysis (``rankclaims mutate``) survives and that is not a
        weakness of the search: ``{"tighten P(violation)": "Markov's bound is loose by 2.4"}``
        (the operator, a space, then a fragment of the name the check gave the site). Such a
        survivor still counts against the kill rate.
    equivalent_mutants
        Mutants that are *true* statements, keyed the same way, with the argument why (a
        bound the inputs provably never attain, a hypothesis the conclusion provably does
        not need). A surviving mutant listed here is ``equivalent``: reported with the
        argument, and left out of the kill rate like a vacuous one.
    budget
        The claim's time budget in seconds, for every profile (``budget=600``) or per profile
        (``{"default": 3600}``; a profile left out keeps its own budget). A search that
        exceeds it is stopped and is ``error``. ``--budget`` (``--claims-budget``) overrides.
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not one of {KINDS}")
    if expect not in EXPECTABLE:
        raise ValueError(f"expect={expect!r} must be one of {EXPECTABLE}")
    if paper not in _PAPERS:
        raise ValueError(f"paper {paper!r} is not registered; call register_paper first")
    budgets = dict(budget) if isinstance(budget, Mapping) else {"every profile": budget}
    for where, seconds in budgets.items():
        if seconds is not None and (
            isinstance(seconds, bool)
            or not isinstance(seconds, (int, float))
            or not 0 < seconds < math.inf
        ):
            raise ValueError(f"{label}: budget {seconds!r} ({where}) must be positive seconds")
    cexs = tuple(counterexamples)
    if cexs and expect != "refuted":
        raise ValueError(f"{label}: counterexamples given but expect={expect!r}")

    def decorate(fn: Callable[..., None]) -> Claim:
        cid = f"{paper}/{slug(label)}"
        source = f"{fn.__module__}:{fn.__qualname__}"
        old = _REGISTRY.get(cid)
        # the same file imported under a second module name (pytest given the file by
        # path) redeclares the same claims: only a different definition is a clash
        if old is not None and _origin(old.check) != _origin(fn):
            raise ValueError(f"claim id {cid} declared twice ({old.source} and {source})")
        c = Claim(
            id=cid,
            paper=paper,
            label=label,
            statement=statement.strip(),
            hypotheses=tuple(hypotheses),
            kind=kind,
            depends_on=_ids(paper, depends_on),
            given=given,
            check=fn,
            expect=expect,
            counterexamples=cexs,
            exact=exact,
            evidence=evidence.strip(),
            tolerance=tolerance.strip(),
            examples=dict(examples) if examples else None,
            min_premise_rate=min_premise_rate,
            requires=tuple(requires),
            source=source,
            mutant_notes=dict(mutant_notes) if mutant_notes else None,
            equivalent_mutants=dict(equivalent_mutants) if equivalent_mutants else None,
            budget=dict(budget) if isinstance(budget, Mapping) else budget,
        )
        _REGISTRY[cid] = c
        return c

    return decorate


def _origin(fn: Callable[..., None]) -> tuple[str, str]:
    code = getattr(fn, "__code__", None)
    return (code.co_filename if code else fn.__module__, fn.__qualname__)


def registry() -> dict[str, Claim]:
    """Every claim declared so far (import the paper modules first:
    :func:`rankclaims.claims.load_papers`)."""
    return dict(_REGISTRY)


def get_claim(cid: str) -> Claim:
    try:
        return _REGISTRY[cid]
    except KeyError:
        raise KeyError(
            f"no claim {cid!r}; known: {', '.join(sorted(_REGISTRY)) or '(none loaded)'}"
        ) from None


# -- exact inputs ----------------------------------------------------------------------------


def to_exact(value: Any) -> Any:
    """The exact rationals a value denotes: arrays become object arrays of ``Fraction``
    (integers stay ``int``), floats ``Fraction``; lists, tuples and dicts recursively."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            if not np.all(np.isfinite(value)):
                raise ValueError("a non-finite input has no exact value")
            out = np.empty(value.shape, dtype=object)
            for idx, x in np.ndenumerate(value):
                out[idx] = Fraction(float(x))
            return out
        if value.dtype.kind in "iub":
            return value.astype(object)
        if value.dtype == object:
            return value
        raise ValueError(f"no exact value for dtype {value.dtype}")
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return Fraction(float(value))
    if isinstance(value, list):
        return [to_exact(v) for v in value]
    if isinstance(value, tuple):
        return tuple(to_exact(v) for v in value)
    if isinstance(value, dict):
        return {k: to_exact(v) for k, v in value.items()}
    return value


def replace(c: Claim, **changes: Any) -> Claim:
    """A copy of a claim with fields changed (tests use it to build variants)."""
    return dataclasses.replace(c, **changes)


def t_bounds(samples: Any, alpha: float = 1e-6) -> tuple[float, float, float, int]:
    """Mean and one-sided Student t bounds (each at level ``alpha``) of i.i.d. samples:
    ``(mean, lower, upper, n)``; infinite bounds below two samples."""
    from scipy.stats import t

    x = np.asarray(samples, dtype=np.float64).ravel()
    n = x.size
    mean = float(x.mean())
    if n < 2:
        return mean, -math.inf, math.inf, n
    half = float(t.ppf(1 - alpha, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n


def _spread(x: Any) -> float:
    """The samples' standard deviation (1 for fewer than two samples or none)."""
    return float(np.std(x, ddof=1)) if np.size(x) > 1 and np.std(x) > 0 else 1.0


def _perturbed(lhs: Any, rhs: Any, tol: float, scale: float | None) -> Any:
    """``rhs`` with a term added: ``1000·tol·scale`` spread evenly over its entries (the
    identity mutant of mutation analysis; exact inputs get an exact rational term)."""
    exact = np.asarray(rhs).dtype == object or isinstance(rhs, Fraction)
    a = np.asarray(lhs, dtype=np.float64) if not exact else np.asarray(lhs, dtype=object)
    b = np.asarray(rhs, dtype=np.float64) if not exact else np.asarray(rhs, dtype=object)
    if scale is None:
        af, bf = a.astype(np.float64), b.astype(np.float64)
        scale = max(float(np.linalg.norm(af.ravel())), float(np.linalg.norm(bf.ravel())))
    delta = 1000.0 * float(tol) * (float(scale) if scale > 0 else 1.0)
    delta = delta if delta > 0 else 1e-6
    per = delta / math.sqrt(max(b.size, 1))
    out = b + (Fraction(per) if exact else per)
    if np.ndim(rhs):
        return out
    out = out.item() if isinstance(out, np.ndarray) else out
    return out if exact else float(out)
