"""``rankclaims report``: run the claims of some papers and write the report.

The run is sequential and in-process; each claim runs through
:func:`rankclaims.claims.run_claim` (the same function ``pytest claims`` uses), so a crash in
one claim becomes its ``error`` verdict and the run goes on. Progress goes to ``stream``.
The report files are written once, atomically, at the end: an interrupted run (Ctrl-C)
leaves the previous report in ``out`` untouched.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from rankclaims.reports.model import Report

__all__ = ["fill_reproduce", "run_report"]


def fill_reproduce(report: Report, out: Path) -> None:
    """Point every refutation's replay command at the report being written."""
    for c in report.claims:
        if c.reproduce:
            c.reproduce = c.reproduce.replace("REPORT_DIR/report.json", str(out / "report.json"))


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
) -> Report:
    """Run the claims of ``papers`` (all when None), or only ``claim_ids``; write the report
    to ``out`` when given; return it."""
    from rankclaims.claims import claims_of, paper_titles, run_claim
    from rankclaims.reports.cli import environment
    from rankclaims.reports.writers import write_report

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
        claims = [c for c in claims if c.id in wanted]
    tty = hasattr(stream, "isatty") and stream.isatty()
    results = []
    t0 = time.perf_counter()
    for i, c in enumerate(claims, 1):
        head = f"[{i}/{len(claims)}] {c.paper} {c.label}"
        if tty:
            stream.write(f"{head} ...")
            stream.flush()
        r = run_claim(c, profile=profile, seed=seed)
        results.append(r)
        verdict = f"\x1b[{_COLOR[r.verdict]}m{r.verdict}\x1b[0m" if tty else r.verdict
        line = f"{head}: {verdict} ({r.examples} examples, {r.duration_s:.1f} s)"
        stream.write(("\r" if tty else "") + line + "\n")
        stream.flush()
    titles = paper_titles()
    report = Report(
        profile=profile,
        seed=seed,
        environment=environment(),
        claims=results,
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        papers={k: titles[k] for k in dict.fromkeys(c.paper for c in claims)},
    )
    counts = ", ".join(f"{v} {k}" for k, v in report.summary().items() if v)
    stream.write(f"{len(results)} claims in {time.perf_counter() - t0:.1f} s: {counts}\n")
    if out is not None:
        fill_reproduce(report, Path(out))
        paths = write_report(report, out)
        stream.write(f"report: {paths['json']}, {paths['md']}, {paths['html']}\n")
    return report
