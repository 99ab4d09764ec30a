"""``rankclaims report``: run the claims of some papers and write the report.

The run is sequential and in-process; each claim runs through
:func:`rankclaims.claims.run_claim` (the same function ``pytest claims`` uses), so a crash in
one claim becomes its ``error`` verdict, a claim past its time budget is stopped and is
``error`` too, and the run goes on. Progress goes to ``stream``.

The report files are written once, atomically, at the end (:func:`publish`). An interrupted
run (Ctrl-C) leaves the previous report in ``out`` untouched: what it gathered goes to
``out/partial/`` with ``not_run`` listing the claims that did not run (the interrupted one
included), and :class:`RunInterrupted` is raised; a complete run removes a stale
``out/partial/``.
"""

from __future__ import annotations

import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from rankclaims.reports.model import Report

__all__ = ["RunInterrupted", "fill_reproduce", "publish", "run_report"]


class RunInterrupted(KeyboardInterrupt):
    """A report run stopped by Ctrl-C: ``report`` holds what ran (``report.not_run`` the
    rest), ``paths`` the partial report's files (None when no ``out`` was given)."""

    def __init__(self, report: Report, paths: dict[str, Path] | None) -> None:
        super().__init__(f"interrupted: {len(report.not_run)} claims did not run")
        self.report = report
        self.paths = paths


def fill_reproduce(report: Report, out: Path) -> None:
    """Point every refutation's replay command at the report being written (the path
    shell-quoted: the command runs as written)."""
    target = shlex.quote(str(Path(out) / "report.json"))
    for c in report.claims:
        if c.reproduce:
            c.reproduce = c.reproduce.replace("REPORT_DIR/report.json", target)


def publish(report: Report, out: str | Path, *, partial: bool | None = None) -> dict[str, Path]:
    """Write ``report`` where it belongs: a complete one to ``out``, removing a stale
    partial report; a partial one (``partial``, by default: ``not_run`` is not empty) to
    ``out/partial/``, leaving the complete report in ``out`` as it was. Returns the paths
    written (by kind)."""
    from rankclaims.reports.writers import PARTIAL_DIR, remove_partial, write_report

    out = Path(out)
    partial = bool(report.not_run) if partial is None else partial
    target = out / PARTIAL_DIR if partial else out
    fill_reproduce(report, target)
    paths = write_report(report, target)
    if not partial:
        remove_partial(out)
    return paths


_COLOR = {
    "holds": "32",
    "refuted": "31",
    "vacuous": "33",
    "inconclusive": "90",
    "error": "35",
    "skipped": "37",
}


def run_report(
    papers: list[str] | None = None,
    *,
    profile: str = "quick",
    seed: int = 0,
    out: str | Path | None = None,
    claim_ids: list[str] | None = None,
    stream: TextIO | None = None,
    budget_s: float | None = None,
) -> Report:
    """Run the claims of ``papers`` (all when None), or only ``claim_ids``; write the report
    to ``out`` when given; return it.

    ``budget_s`` is every claim's time budget (None: each claim's own or its profile's; 0:
    none). Ctrl-C stops the run: the partial report is written to ``out/partial/`` and
    :class:`RunInterrupted` (a KeyboardInterrupt) is raised.
    """
    from rankclaims.claims import claims_of, paper_titles, run_claim
    from rankclaims.reports.cli import environment

    stream = stream if stream is not None else sys.stderr
    claims = claims_of(papers)
    if papers is not None:
        missing = sorted(set(papers) - {c.paper for c in claims})
        if missing:
            raise ValueError(
                f"no claims for paper(s) {', '.join(missing)}; known papers: "
                f"{', '.join(sorted({c.paper for c in claims_of()}))}"
            )
    if claim_ids is not None:
        wanted = set(claim_ids)
        unknown = sorted(wanted - {c.id for c in claims})
        if unknown:
            raise ValueError(
                f"no claim {', '.join(unknown)}"
                + (f" in paper(s) {', '.join(papers)}" if papers is not None else "")
                + " (rankclaims list shows the ids)"
            )
        claims = [c for c in claims if c.id in wanted]
    tty = hasattr(stream, "isatty") and stream.isatty()
    results = []
    interrupted = False
    t0 = time.perf_counter()
    try:
        for i, c in enumerate(claims, 1):
            head = f"[{i}/{len(claims)}] {c.paper} {c.label}"
            if tty:
                stream.write(f"{head} ...")
                stream.flush()
            r = run_claim(c, profile=profile, seed=seed, budget_s=budget_s)
            results.append(r)
            verdict = f"\x1b[{_COLOR[r.verdict]}m{r.verdict}\x1b[0m" if tty else r.verdict
            line = f"{head}: {verdict} ({r.examples} examples, {r.duration_s:.1f} s)"
            if r.verdict == "error" and r.error and r.error.strip():
                line += f": {r.error.strip().splitlines()[-1]}"  # the exception, or the reason
            stream.write(("\r" if tty else "") + line + "\n")
            stream.flush()
    except KeyboardInterrupt:
        interrupted = True
        stream.write("\n" if tty else "")
    done = {r.id for r in results}
    titles = paper_titles()
    report = Report(
        profile=profile,
        seed=seed,
        environment=environment(),
        claims=results,
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        papers={k: titles[k] for k in dict.fromkeys(c.paper for c in claims)},
        not_run=[c.id for c in claims if c.id not in done],
    )
    counts = ", ".join(f"{v} {k}" for k, v in report.summary().items() if v)
    stream.write(f"{len(results)} claims in {time.perf_counter() - t0:.1f} s: {counts}\n")
    if interrupted:
        stream.write(
            f"interrupted: {len(report.not_run)} of {len(claims)} claims did not run: "
            f"{', '.join(report.not_run)}\n"
        )
    paths = None
    if out is not None:
        paths = publish(report, out)
        kind = "partial report" if report.not_run else "report"
        stream.write(f"{kind}: {paths['json']}, {paths['md']}, {paths['html']}\n")
    stream.flush()
    if interrupted:
        raise RunInterrupted(report, paths)
    return report
