"""Mutation analysis: would a claim's search and check also pass a false statement?

For a claim that holds, :func:`mutate_claim` first runs it as written under a
:class:`~rankclaims.claims._mutation.Census`, which records every site where the check
states a premise or a conclusion. Each site then yields mutants, one operator at a time
(:data:`~rankclaims.claims._mutation.OPERATORS`): the rank bound lowered by one, the
inequality reversed or its bound tightened, the identity with a term perturbed, a rank off
by one, the conclusion negated, a hypothesis dropped (only premises some example failed:
dropping one no example failed changes nothing), a frequency's event complemented, a
mean's inequality reversed or its expected value shifted. A rank computed before a
premise of the same example may be a hypothesis's value; it is not mutated (its premise
is), and neither is a premise declared ``nonvacuity=True``. Every mutant runs through the
same generators, seed and profile as the claim (without shrinking: one failure is enough).

Outcomes:

- ``killed``: the mutant's verdict is not ``holds``: ``refuted`` (a certified
  counterexample) or ``inconclusive`` (failures or undecided examples the search saw);
- ``survived``: the mutant's verdict is ``holds``: the search would pass this variant too;
- ``vacuous``: the mutation made the hypotheses unsatisfiable (a rank feeding a premise,
  say), so the mutant is not a false statement; left out of the kill rate;
- ``equivalent``: it survived, and the claim declares it a true statement with the
  argument (``equivalent_mutants``); left out of the kill rate, listed with the argument;
- ``error``: the mutant crashed (a dropped hypothesis admitted inputs the check cannot
  handle); counted as not killed.

The kill rate is killed / (mutants − vacuous − equivalent). A survivor is either a
weakness of the generators (fix them), explained in the claim's declaration
(``mutant_notes``, still counted), or a true statement (``equivalent_mutants``, with the
argument why).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

from rankclaims.claims._core import Claim
from rankclaims.claims._mutation import OPERATORS, Census, Mutation, Site, active
from rankclaims.claims._runner import budget_for, run_claim
from rankclaims.reports.model import ClaimResult

__all__ = ["MutantOutcome", "mutate_claim", "mutation_summary"]


@dataclass
class MutantOutcome:
    """One mutant of a claim and what the search made of it."""

    operator: str
    method: str
    site: str
    name: str
    description: str
    status: str
    verdict: str
    detail: str
    explanation: str = ""
    duration_s: float = 0.0


def _sites(census: Census) -> list[Site]:
    return sorted(census.sites.values(), key=lambda s: (s.file, s.line, s.offset, s.method))


def _explanation(c: Claim, operator: str, site: Site, *, equivalent: bool = False) -> str:
    notes = (c.equivalent_mutants if equivalent else c.mutant_notes) or {}
    for key, text in notes.items():
        op, _, fragment = key.partition(" ")
        if op == operator and fragment in site.name:
            return text
    return ""


def _classify(r: ClaimResult, m: Mutation) -> tuple[str, str]:
    if r.verdict == "refuted":
        return "killed", f"refuted: {r.notes[0] if r.notes else ''} [{r.certificate}]"
    if r.verdict == "inconclusive":
        return "killed", (
            f"inconclusive: {m.violations} failure(s) seen, {r.undecided} of "
            f"{r.premise_met} examples undecided"
        )
    if r.verdict == "vacuous":
        return "vacuous", f"premise met in {r.premise_met} of {r.examples} examples"
    if r.verdict == "error":
        last = (r.error or "").strip().splitlines()[-1:] or [""]
        if m.violations:
            return "killed", (f"{m.violations} failure(s) seen; then the run stopped: {last[0]}")
        return "error", f"the mutant crashed: {last[0]}"
    extra = f"; {m.violations} uncertified failure(s) seen" if m.violations else ""
    reached = "" if m.applied else "; the site was never reached"
    return "survived", f"holds on {r.decided} decided examples{extra}{reached}"


def mutate_claim(
    c: Claim,
    *,
    profile: str = "quick",
    seed: int = 0,
    budget_s: float | None = None,
) -> tuple[ClaimResult, list[MutantOutcome]]:
    """Run the claim as written (its result is returned) and, if it holds, every mutant."""
    census = Census()
    token = active().set(census)
    try:
        result = run_claim(c, profile=profile, seed=seed, budget_s=budget_s)
    finally:
        active().reset(token)
    if result.verdict != "holds":
        result.mutation = {
            "profile": profile,
            "mutants": 0,
            "note": f"not mutated: the claim's verdict is {result.verdict}",
        }
        return result, []
    bare = dataclasses.replace(c, counterexamples=())
    # a mutant may send the search where the claim never goes (an exact certification of a
    # large input, say): it gets the claim's budget, at most 5 times the claim's own run
    # and at least a minute
    if budget_s is None:
        own = budget_for(c, profile)
        budget_s = max(60.0, 5.0 * result.duration_s)
        budget_s = budget_s if own is None else min(own, budget_s)
    outcomes: list[MutantOutcome] = []
    never_unmet = feeding = 0
    for site in _sites(census):
        if site.method == "premise" and site.unmet == 0:
            never_unmet += 1
            continue
        if site.feeds_premise:
            feeding += 1
            continue
        for operator, description in OPERATORS.get(site.method, ()):
            t0 = time.perf_counter()
            tries = ("rank+1", "rank-1") if operator == "rank±1" else (operator,)
            for applied in tries:
                m = Mutation(site.method, site.file, site.line, site.offset, applied)
                token = active().set(m)
                try:
                    r = run_claim(bare, profile=profile, seed=seed, shrink=False, budget_s=budget_s)
                finally:
                    active().reset(token)
                status, detail = _classify(r, m)
                if len(tries) > 1:
                    detail = f"{applied}: {detail}"
                if status == "killed":
                    break
            explanation = ""
            if status == "survived":
                explanation = _explanation(c, operator, site, equivalent=True)
                if explanation:
                    status = "equivalent"
                else:
                    explanation = _explanation(c, operator, site)
            outcomes.append(
                MutantOutcome(
                    operator=operator,
                    method=site.method,
                    site=site.where,
                    name=site.name,
                    description=description,
                    status=status,
                    verdict=r.verdict,
                    detail=detail,
                    explanation=explanation,
                    duration_s=time.perf_counter() - t0,
                )
            )
    result.mutation = _claim_summary(profile, outcomes, never_unmet, feeding)
    return result, outcomes


def _claim_summary(
    profile: str, outcomes: list[MutantOutcome], never_unmet: int, feeding: int
) -> dict:
    counts = {s: sum(o.status == s for o in outcomes) for s in MUTANT_STATUSES}
    scored = len(outcomes) - counts["vacuous"] - counts["equivalent"]
    return {
        "profile": profile,
        "mutants": len(outcomes),
        **counts,
        "scored": scored,
        "kill_rate": counts["killed"] / scored if scored else None,
        "premises_never_unmet": never_unmet,
        "ranks_feeding_premises": feeding,
        "outcomes": [dataclasses.asdict(o) for o in outcomes],
    }


#: the outcomes of a mutant, in the order the report lists them
MUTANT_STATUSES = ("killed", "survived", "equivalent", "vacuous", "error")


def mutation_summary(results: list[ClaimResult]) -> dict[str, Any] | None:
    """Totals over the claims that were mutated (None when none was): mutants, each
    status, the kill rate, and the survivors with their explanations."""
    mutated = [r for r in results if getattr(r, "mutation", None)]
    if not mutated:
        return None
    total = {s: 0 for s in MUTANT_STATUSES}
    mutants = 0
    survivors = []
    for r in mutated:
        m = r.mutation
        mutants += m.get("mutants", 0)
        for s in MUTANT_STATUSES:
            total[s] += m.get(s, 0)
        for o in m.get("outcomes", []):
            if o["status"] in ("survived", "equivalent", "error"):
                survivors.append({"claim": r.id, **o})
    scored = mutants - total["vacuous"] - total["equivalent"]
    return {
        "profile": mutated[0].mutation.get("profile"),
        "claims_mutated": sum(1 for r in mutated if r.mutation.get("mutants")),
        "mutants": mutants,
        **total,
        "kill_rate": total["killed"] / scored if scored else None,
        "explained": sum(1 for s in survivors if s.get("explanation")),
        "survivors": survivors,
    }
