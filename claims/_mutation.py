"""Mutation sites: where a claim's check states its premises and conclusions.

Every premise and conclusion a check states goes through a :class:`~rankclaims.claims.Check`
method (``premise``, ``holds``, ``rank``, ``rank_at_most``, ``khatri_rao_rank``, ``leq``,
``close``, ``frequency_at_least``, ``mean_close``, ``mean_at_least``, ``mean_at_most``).
Each method asks :func:`site_operator` whether a mutation is active at its *site*: the
method and the line of the claim's code that called it (the first frame outside the
framework). Outside mutation analysis the answer is ``None`` at the cost of one context
variable lookup.

Two states can be active (a :mod:`contextvars` variable, so threads and runs do not mix):

- a :class:`Census` records every site a run reaches, how often, and how often a premise
  was unmet (a premise never unmet cannot be dropped to any effect);
- a :class:`Mutation` applies one operator at one site: the check then states a false
  variant of the claim (a bound tightened, an inequality reversed, a rank off by one, a
  hypothesis dropped, an identity with a term perturbed, a conclusion negated).

The driver is :mod:`rankclaims.claims._mutate`.
"""

from __future__ import annotations

import contextvars
import os
import sys
from dataclasses import dataclass, field

__all__ = [
    "OPERATORS",
    "Census",
    "Mutation",
    "Site",
    "active",
    "begin_example",
    "note_violation",
    "site_operator",
]

#: method -> the operators that mutate it, and what each does to the claim
OPERATORS: dict[str, tuple[tuple[str, str], ...]] = {
    "premise": (("drop", "hypothesis dropped"),),
    "holds": (("negate", "conclusion negated"),),
    # one mutant: +1 first; only if the search passes it, −1 (one of the two weakens the
    # conclusion, and which one depends on how the check uses the rank)
    "rank": (("rank±1", "rank off by one (+1, else −1)"),),
    "khatri_rao_rank": (("rank±1", "Khatri-Rao rank off by one (+1, else −1)"),),
    "rank_at_most": (("bound-1", "rank bound lowered by one"),),
    "leq": (
        ("reverse", "inequality reversed (rhs ≤ lhs)"),
        ("tighten", "bound tightened: rhs replaced by rhs − |rhs|/2"),
    ),
    "close": (("perturb", "identity with a term perturbed (1000 tolerances added to rhs)"),),
    "frequency_at_least": (("complement", "event complemented: P(not event) ≥ p0"),),
    "mean_close": (("shift", "expected value shifted by one standard deviation + half itself"),),
    "mean_at_least": (("reverse", "mean inequality reversed (E[X] ≤ bound)"),),
    "mean_at_most": (("reverse", "mean inequality reversed (E[X] ≥ bound)"),),
}

_FRAMEWORK = os.path.dirname(os.path.abspath(__file__))
_FRAMEWORK_FILES = {
    os.path.join(_FRAMEWORK, f) for f in ("_core.py", "_batched.py", "_mutation.py")
}


@dataclass
class Site:
    """One place a check states a premise or a conclusion."""

    method: str
    file: str
    line: int
    #: the bytecode offset of the call (two calls on one line are two sites)
    offset: int
    #: the name (or wording) passed at the first hit
    name: str
    hits: int = 0
    unmet: int = 0
    #: a rank computed before a premise of the same example (it may feed a hypothesis:
    #: such ranks are not mutated, the premise is)
    feeds_premise: bool = False

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.method, self.file, self.line, self.offset)

    @property
    def where(self) -> str:
        return f"{os.path.basename(self.file)}:{self.line}"


@dataclass
class Census:
    """Records the sites a run reaches (the baseline of mutation analysis)."""

    sites: dict[tuple[str, str, int, int], Site] = field(default_factory=dict)
    violations: int = 0
    #: rank sites visited since the example's last premise
    pending: list[Site] = field(default_factory=list)

    def begin_example(self) -> None:
        self.pending.clear()

    def visit(self, method: str, where: tuple[str, int, int], name: str, unmet: bool) -> None:
        key = (method, *where)
        site = self.sites.get(key)
        if site is None:
            site = self.sites[key] = Site(method, *where, str(name))
        site.hits += 1
        site.unmet += int(unmet)
        if method in ("premise", "guard"):
            for earlier in self.pending:
                earlier.feeds_premise = True
            self.pending.clear()
        elif method in ("rank", "khatri_rao_rank"):
            self.pending.append(site)


@dataclass
class Mutation:
    """One operator applied at one site."""

    method: str
    file: str
    line: int
    offset: int
    operator: str
    applied: int = 0
    violations: int = 0


_ACTIVE: contextvars.ContextVar[Census | Mutation | None] = contextvars.ContextVar(
    "rankclaims_mutation", default=None
)


def active() -> contextvars.ContextVar[Census | Mutation | None]:
    """The context variable holding the active census or mutation (set it with a token)."""
    return _ACTIVE


def _caller() -> tuple[str, int, int]:
    f = sys._getframe(2)
    while f is not None and os.path.abspath(f.f_code.co_filename) in _FRAMEWORK_FILES:
        f = f.f_back
    if f is None:  # pragma: no cover - a Check method called from nowhere
        return ("?", 0, 0)
    return (os.path.abspath(f.f_code.co_filename), f.f_lineno, f.f_lasti)


def site_operator(method: str, name: object, *, unmet: bool = False) -> str | None:
    """The operator to apply at this call of ``method`` (None: state the claim as written).

    Called by every premise/conclusion method of :class:`~rankclaims.claims.Check` with the
    name it was given; ``unmet`` tells a census that a premise failed.
    """
    state = _ACTIVE.get()
    if state is None:
        return None
    where = _caller()
    if isinstance(state, Census):
        state.visit(method, where, str(name), unmet)
        return None
    if (state.method, state.file, state.line, state.offset) == (method, *where):
        state.applied += 1
        return state.operator
    return None


def begin_example() -> None:
    """A new example's check starts (a census tracks which ranks precede premises)."""
    state = _ACTIVE.get()
    if isinstance(state, Census):
        state.begin_example()


def note_violation() -> None:
    """The runner saw a conclusion fail (certified or not) under the active state."""
    state = _ACTIVE.get()
    if state is not None:
        state.violations += 1
