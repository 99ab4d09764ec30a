"""The report model: what a run of claims produced, independent of how it is written.

One :class:`ClaimResult` per claim, one :class:`Report` per run. Both convert to and from
plain JSON data (``to_json``/``from_json``) so that pytest-xdist workers can ship results to
the controller and ``report.json`` can be read back. The writers in
:mod:`rankclaims.reports.writers` only ever see these objects.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"

#: Every verdict a claim can get, in the order the summary lists them.
VERDICTS = ("holds", "refuted", "vacuous", "inconclusive", "error", "skipped")

#: Claim kinds (DESIGN.md): each has its own notion of evidence.
KINDS = (
    "identity",
    "inequality",
    "rank",
    "almost-everywhere",
    "probabilistic",
    "asymptotic",
)


@dataclass
class Figure:
    """A figure of an empirical claim, kept as data; the HTML writer draws it.

    ``series`` is a list of ``{"label": str, "x": [...], "y": [...]}``; ``kind`` is
    ``"line"`` or ``"scatter"``. Storing data rather than pixels keeps ``report.json``
    small, diffable and reproducible.
    """

    title: str
    xlabel: str
    ylabel: str
    series: list[dict[str, Any]]
    kind: str = "line"
    logx: bool = False
    logy: bool = False
    caption: str = ""


@dataclass
class ClaimResult:
    """The verdict on one claim and the evidence behind it.

    Field meanings are documented in the README's "Report schema" section; ``to_json``
    gives exactly the ``claims[i]`` object of ``report.json``.
    """

    id: str
    paper: str
    label: str
    kind: str
    statement: str
    verdict: str
    hypotheses: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    expected: str = "holds"
    #: examples evaluated (explicit ones included), how many met the premise, and of those
    #: how many the numbers could decide (a rank in the grey zone, an interval straddling)
    examples: int = 0
    premise_met: int = 0
    premise_rate: float | None = None
    decided: int = 0
    undecided: int = 0
    duration_s: float = 0.0
    #: instances checked: one per example, or, for a batched claim (each Hypothesis example
    #: a batch of independent instances decided by one kernel call), the sum of the batch
    #: sizes; ``premise_met``, ``decided`` and ``undecided`` then count instances too
    instances: int = 0
    #: the claim's examples are batches of instances (``rankclaims.generators.batched``)
    batched: bool = False
    #: largest batch of one example (1: not batched, or no batch larger than one drawn)
    batch_size: int = 1
    #: instances checked per second of the search (recorded counterexamples, the search and
    #: the shrinking of a failure included); a timing field, like ``duration_s``
    instances_per_s: float | None = None
    #: where the kernels and the batched generators' continuous parts ran ("cpu", "cuda")
    device: str = "cpu"
    #: the time budget the claim ran under, in seconds (None: unlimited); a search that
    #: exceeds it is stopped and is ``error``
    budget_s: float | None = None
    #: for inequalities: worst LHS/RHS seen and where
    tightness: dict[str, Any] | None = None
    #: tolerances used, in words and numbers (dtype, conditioning)
    tolerance: str = ""
    #: smallest decision margin of any rank decided (> 1 decided; see kernels.RankDecision)
    min_margin: float | None = None
    #: probabilistic claims: estimate, confidence interval, sample size, confidence level
    confidence: dict[str, Any] | None = None
    #: how the claim was checked (reading of the paper, what counts as evidence)
    evidence: str = ""
    #: short human-readable facts gathered during the run
    notes: list[str] = field(default_factory=list)
    #: refutations: paper variable name -> value (arrays as nested lists)
    counterexample: dict[str, Any] | None = None
    #: how to decode ``counterexample`` exactly (dtype and shape of every array)
    counterexample_types: dict[str, Any] | None = None
    #: how the counterexample was certified ("exact rational recomputation", "margin ...")
    certificate: str | None = None
    #: a shell command that replays the counterexample alone
    reproduce: str | None = None
    #: error verdicts: the traceback
    error: str | None = None
    figures: list[Figure] = field(default_factory=list)
    #: filled by the report: dependencies that are refuted/vacuous/error (transitively)
    unsupported_by: list[str] = field(default_factory=list)
    #: ``rankclaims mutate`` runs: the mutants of the claim and what the search made of
    #: them (``{profile, mutants, killed, survived, vacuous, error, kill_rate,
    #: premises_never_unmet, outcomes}``); None in ordinary runs
    mutation: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClaimResult:
        data = dict(data)
        data["figures"] = [Figure(**f) for f in data.get("figures", [])]
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Report:
    """One run: its settings, environment and every claim's result."""

    profile: str
    seed: int
    environment: dict[str, str]
    claims: list[ClaimResult]
    generated_at: str
    papers: dict[str, str] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION
    #: claims that were selected but did not run (interrupted run)
    not_run: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for c in self.claims:
            counts[c.verdict] = counts.get(c.verdict, 0) + 1
        return counts

    def mutation_summary(self) -> dict[str, Any] | None:
        """Mutation analysis totals (``rankclaims mutate``), or None in ordinary runs."""
        from rankclaims.claims._mutate import mutation_summary

        return mutation_summary(self.claims)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "generated_at": self.generated_at,
            "profile": self.profile,
            "seed": self.seed,
            "environment": self.environment,
            "papers": self.papers,
            "summary": self.summary(),
            "not_run": self.not_run,
            "mutation": self.mutation_summary(),
            "claims": [c.to_json() for c in self.claims],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        return cls(
            profile=data["profile"],
            seed=data["seed"],
            environment=data["environment"],
            claims=[ClaimResult.from_json(c) for c in data["claims"]],
            generated_at=data["generated_at"],
            papers=data.get("papers", {}),
            schema_version=data.get("schema_version", SCHEMA_VERSION),
            not_run=data.get("not_run", []),
        )


#: Fields of ``report.json`` that measure time and so differ between two runs of the same
#: profile and seed: the report's ``generated_at``, and ``duration_s`` wherever it occurs
#: (each claim's, and the mutants' of ``rankclaims mutate``).
TIMING_FIELDS = ("generated_at", "duration_s", "instances_per_s")


def strip_timing(data: Any) -> Any:
    """A copy of ``report.json`` data (or any part of it) without the timing fields
    (:data:`TIMING_FIELDS`, at any depth): what two runs of the same profile and seed on the
    same machine agree on exactly."""
    if isinstance(data, dict):
        return {k: strip_timing(v) for k, v in data.items() if k not in TIMING_FIELDS}
    if isinstance(data, list):
        return [strip_timing(v) for v in data]
    return data


def support_status(claims: list[ClaimResult]) -> None:
    """Fill ``unsupported_by``: the claims each result's proof uses, directly or through
    other claims, whose verdict is refuted, vacuous or error."""
    by_id = {c.id: c for c in claims}
    weak = {"refuted", "vacuous", "error"}

    def weak_deps(cid: str, seen: set[str]) -> set[str]:
        out: set[str] = set()
        for dep in by_id[cid].depends_on if cid in by_id else []:
            if dep in seen:
                continue
            seen.add(dep)
            if dep in by_id and by_id[dep].verdict in weak:
                out.add(dep)
            out |= weak_deps(dep, seen)
        return out

    for c in claims:
        c.unsupported_by = sorted(weak_deps(c.id, set()))
