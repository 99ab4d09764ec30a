"""``rankclaims mutate``: mutation analysis of the claims, written as a report.

Each claim runs as written (its verdict and evidence are the report's, as in
``rankclaims report``) and, if it holds, every mutant of it
(:mod:`rankclaims.claims._mutate`); each claim's result carries a ``mutation`` field and the
report a ``mutation`` summary (kill rate, survivors with explanations). With ``jobs > 1``
the claims are spread over worker processes (``rankclaims report``'s pool,
:func:`rankclaims.reports.run.map_in_workers`: one claim per task, a dead worker's claim an
``error``, results merged in declaration order). The report is written atomically at the
end, as ``rankclaims report`` writes it.
"""

from __future__ import annotations

import contextlib
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from rankclaims.reports.model import ClaimResult, Report

__all__ = ["run_mutation"]


def _mutate_one(cid: str, profile: str, seed: int) -> dict[str, Any]:
    from rankclaims.claims import claims_of, get_claim
    from rankclaims.claims._mutate import mutate_claim

    claims_of(None)
    result, _ = mutate_claim(get_claim(cid), profile=profile, seed=seed)
    return result.to_json()


def _line(r: ClaimResult) -> str:
    m = r.mutation or {}
    if m.get("mutants"):
        mut = f"{m.get('killed', 0)}/{m['scored']} mutants killed"
        if m.get("survived") or m.get("error"):
            mut += f" ({m.get('survived', 0)} survived, {m.get('error', 0)} crashed)"
    else:
        mut = "not mutated"
    return f"{r.paper} {r.label}: {r.verdict}; {mut} ({r.duration_s:.1f} s + mutants)"


def run_mutation(
    papers: list[str] | None = None,
    *,
    profile: str = "quick",
    seed: int = 0,
    out: str | Path | None = None,
    claim_ids: list[str] | None = None,
    jobs: int = 1,
    stream: TextIO | None = None,
) -> Report:
    """Mutation analysis of the claims of ``papers`` (all when None), or only ``claim_ids``;
    write the report to ``out`` when given; return it."""
    from rankclaims.claims import claims_of, paper_titles
    from rankclaims.claims._runner import examples_for
    from rankclaims.reports.cli import environment
    from rankclaims.reports.run import fill_reproduce, map_in_workers, outcome_result
    from rankclaims.reports.writers import write_report

    stream = stream if stream is not None else sys.stderr
    claims = claims_of(papers)
    if papers is not None:
        missing = sorted(set(papers) - {c.paper for c in claims})
        if missing:
            raise ValueError(f"no claims for paper(s) {', '.join(missing)}")
    if claim_ids is not None:
        unknown = sorted(set(claim_ids) - {c.id for c in claims})
        if unknown:
            raise ValueError(f"unknown claim id(s): {', '.join(unknown)}")
        claims = [c for c in claims if c.id in set(claim_ids)]
    for c in claims:
        examples_for(c, profile)  # an unknown profile fails before any work
    t0 = time.perf_counter()
    results: dict[str, ClaimResult] = {}
    if jobs <= 1:
        for i, c in enumerate(claims, 1):
            r = ClaimResult.from_json(_mutate_one(c.id, profile, seed))
            results[c.id] = r
            stream.write(f"[{i}/{len(claims)}] {_line(r)}\n")
            stream.flush()
    else:
        # the report's worker pool: a worker that dies makes its claim an error, Ctrl-C ends
        # the workers, and each worker takes its share of the cores
        tasks = map_in_workers(_mutate_one, claims, lambda c: (c.id, profile, seed), jobs)
        with contextlib.closing(tasks):
            for c, outcome in tasks:
                r = outcome_result(c, outcome, profile, None, "cpu")
                results[c.id] = r
                stream.write(f"[{len(results)}/{len(claims)}] {_line(r)}\n")
                stream.flush()
    titles = paper_titles()
    report = Report(
        profile=profile,
        seed=seed,
        environment=environment(),
        claims=[results[c.id] for c in claims],
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        papers={k: titles[k] for k in dict.fromkeys(c.paper for c in claims)},
    )
    ms = report.mutation_summary()
    if ms:
        rate = ms["kill_rate"]
        stream.write(
            f"mutation analysis of {len(claims)} claims in {time.perf_counter() - t0:.1f} s: "
            f"{ms['mutants']} mutants, {ms['killed']} killed, {ms['survived']} survived, "
            f"{ms['error']} crashed, {ms['equivalent']} equivalent, {ms['vacuous']} vacuous; "
            "kill rate "
            f"{'—' if rate is None else f'{100 * rate:.1f}%'}; "
            f"{ms['explained']} of {len(ms['survivors'])} survivors explained\n"
        )
        for s in ms["survivors"]:
            why = s.get("explanation") or "UNEXPLAINED"
            stream.write(
                f"  {s['status']}: {s['claim']} {s['description']} at {s['site']} "
                f"[{s['name']}]: {s['detail']} -- {why}\n"
            )
    if out is not None:
        fill_reproduce(report, Path(out))
        paths = write_report(report, out)
        stream.write(f"report: {paths['json']}, {paths['md']}, {paths['html']}\n")
    return report
