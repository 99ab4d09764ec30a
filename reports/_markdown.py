"""The Markdown report: environment, summary, a table per paper, refutations, errors."""

from __future__ import annotations

import re
from typing import Any

from ._format import (
    as_array,
    claim_name,
    fmt_percent,
    fmt_rate,
    fmt_scalar,
    matrix_cells,
    metric_text,
    papers_in_order,
    premise_text,
    shape_text,
    slices,
    support_text,
    text_matrix,
    totals_text,
    unexpected,
)
from .model import VERDICTS, ClaimResult, Report

#: Tracebacks longer than this many lines keep only their last lines in Markdown.
MAX_TRACEBACK_LINES = 40


def text(value: Any) -> str:
    """Prose from the report as Markdown text: what a renderer would read as an HTML tag
    (``<script>``, ``</b>``, ``<!--``) or as emphasis (``*``) is escaped; the papers' math
    (``r_{AB}``, ``a < b``) is left readable."""
    s = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", str(value))
    return s.replace("*", "\\*")


def cell(value: Any, *, markup: bool = False) -> str:
    """Text for one table cell: one line, pipes escaped; ``markup`` keeps Markdown that the
    writer itself put there."""
    s = str(value).replace("\r\n", "\n").replace("\n", " ").strip()
    if not markup:
        s = text(s)
    return s.replace("|", "\\|") or " "


def inline(code: str) -> str:
    """Inline code with a fence longer than any backtick run in it."""
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def fenced(code: str, lang: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run in ``code``."""
    longest = max((len(m) for m in re.findall(r"`{3,}", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{code.rstrip()}\n{fence}"


def _verdict(c: ClaimResult) -> str:
    v = text(c.verdict)
    v = f"**{v}**" if c.verdict == "refuted" else v
    if unexpected(c):
        v += f" (expected {c.expected})"
    return v


def _rate(c: ClaimResult) -> str:
    """``"1234 (2500 instances, batches of up to 100)"``: the rate, and what it rests on
    when the claim is batched."""
    rate = fmt_rate(c.instances_per_s)
    if (c.batched or c.batch_size > 1) and c.instances:
        return f"{rate} ({c.instances} instances, batches of up to {c.batch_size})"
    return rate


def _notes(c: ClaimResult, by_id: dict[str, ClaimResult]) -> str:
    parts = []
    if c.unsupported_by:
        parts.append(f"**loses support:** {text(support_text(c, by_id))}")
    parts.extend(text(n) for n in c.notes)
    return "; ".join(parts)


def value_block(name: str, value: Any) -> list[str]:
    """One counterexample variable: arrays as matrices in fenced blocks, the rest inline."""
    arr = as_array(value)
    if arr is not None and arr.ndim in (1, 2):
        _, note = matrix_cells(arr)
        head = f"- {inline(name)} ({shape_text(arr.shape)}{'; ' + note if note else ''}):"
        return [head, "", _indent(fenced(text_matrix(arr))), ""]
    if arr is not None and arr.ndim >= 3:
        parts, note = slices(arr)
        head = f"- {inline(name)} ({shape_text(arr.shape)}{'; ' + note if note else ''}):"
        body = "\n".join(f"{label}\n{text_matrix(sub)}" for label, sub in parts)
        return [head, "", _indent(fenced(body)), ""]
    if isinstance(value, dict):
        out = [f"- {inline(name)}:", ""]
        for k, v in value.items():
            out.extend(_indent(line) if line else "" for line in value_block(str(k), v))
        return out
    if isinstance(value, list) or value is None or not isinstance(value, (str, int, float)):
        text = _compact(value)
    else:
        text = fmt_scalar(value)
    return [f"- {inline(name)} = {inline(text)}"]


def _compact(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    return fmt_scalar(value)


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.split("\n"))


def _line(value: str) -> str:
    """Prose on one line (a list item, a paragraph)."""
    return text(" ".join(str(value).split()))


def _quote(value: str) -> str:
    return "\n".join(f"> {text(line)}".rstrip() for line in str(value).strip().split("\n"))


def _refutation(c: ClaimResult, by_id: dict[str, ClaimResult]) -> list[str]:
    out = [f"### {text(c.paper)} {text(c.label)}", "", _quote(c.statement), ""]
    if c.hypotheses:
        out += ["Hypotheses:", ""] + [f"- {_line(h)}" for h in c.hypotheses] + [""]
    if c.counterexample:
        out += ["Counterexample:", ""]
        for name, value in c.counterexample.items():
            out += value_block(str(name), value)
        if out[-1] != "":
            out.append("")
    else:
        out += ["No counterexample was recorded.", ""]
    if c.certificate:
        out += [f"Certificate: {_line(c.certificate)}", ""]
    if c.reproduce:
        out += ["Reproduce:", "", fenced(c.reproduce, "sh"), ""]
    if c.unsupported_by:
        out += [f"Loses support: {text(support_text(c, by_id))}.", ""]
    return out


def _error(c: ClaimResult) -> list[str]:
    out = [f"### {text(c.paper)} {text(c.label)}", ""]
    tb = (c.error or "").rstrip()
    if tb:
        lines = tb.split("\n")
        if len(lines) > MAX_TRACEBACK_LINES:
            skipped = len(lines) - MAX_TRACEBACK_LINES
            lines = [f"... ({skipped} lines omitted)", *lines[-MAX_TRACEBACK_LINES:]]
        out += [fenced("\n".join(lines), "text"), ""]
    else:
        out += ["No traceback was recorded.", ""]
    return out


def _mutation(ms: dict[str, Any]) -> list[str]:
    out = [
        "## Mutation analysis",
        "",
        f"Profile {text(ms.get('profile'))}: {ms['mutants']} mutants of "
        f"{ms['claims_mutated']} claims that hold; {ms['killed']} killed, {ms['survived']} "
        f"survived, {ms['error']} crashed, {ms['equivalent']} equivalent and {ms['vacuous']} "
        "vacuous (not counted). Kill rate "
        f"**{fmt_percent(ms.get('kill_rate'))}**.",
        "",
    ]
    if ms.get("survivors"):
        out += [
            "| claim | mutant | site | outcome | explanation |",
            "| --- | --- | --- | --- | --- |",
        ]
        for s in ms["survivors"]:
            out.append(
                f"| {cell(s['claim'])} | {cell(s['description'])} | {cell(s['site'])} "
                f"{cell(s['name'])} | {cell(s['status'])}: {cell(s['detail'])} | "
                f"{cell(s.get('explanation') or 'unexplained')} |"
            )
        out.append("")
    return out


def render_markdown(report: Report) -> str:
    """The report as GitHub-flavoured Markdown: environment, summary counts per verdict, a
    table per paper, then every refutation (counterexample, certificate, reproduce line) and
    every error (traceback)."""
    by_id = {c.id: c for c in report.claims}
    out = ["# rankclaims report" + (" (partial)" if report.not_run else ""), ""]
    out += [
        "| setting | value |",
        "| --- | --- |",
        f"| generated | {cell(report.generated_at)} |",
        f"| profile | {cell(report.profile)} |",
        f"| seed | {cell(report.seed)} |",
        f"| schema | {cell(report.schema_version)} |",
    ]
    out += [f"| {cell(k)} | {cell(v)} |" for k, v in report.environment.items()]
    out.append("")

    summary = report.summary()
    out += ["## Summary", "", "| verdict | claims |", "| --- | ---: |"]
    out += [f"| {cell(v)} | {n} |" for v, n in summary.items() if v in VERDICTS or n]
    out += [f"| **total** | {len(report.claims)} |", ""]
    out += [f"Totals: {text(totals_text(report.claims))}.", ""]
    if report.not_run:
        out += [
            f"**Partial report**: the run was interrupted; {len(report.not_run)} "
            f"claim{'s' if len(report.not_run) != 1 else ''} did not run: "
            f"{', '.join(inline(i) for i in report.not_run)}",
            "",
        ]

    for paper, claims in papers_in_order(report):
        title = report.papers.get(paper, "")
        out += [f"## {text(paper)}", ""]
        if title:
            out += [_line(title), ""]
        out += [
            "| label | kind | verdict | examples | premise rate | instances/s"
            " | tightness / margin / CI | notes |",
            "| --- | --- | --- | ---: | ---: | ---: | --- | --- |",
        ]
        for c in claims:
            row = [
                cell(c.label),
                cell(c.kind),
                cell(_verdict(c), markup=True),
                cell(c.examples),
                cell(premise_text(c)),
                cell(_rate(c)),
                cell(metric_text(c)),
                cell(_notes(c, by_id), markup=True),
            ]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
        deps = [c for c in claims if c.depends_on]
        if deps:
            out += ["Proof dependencies:", ""]
            for c in deps:
                used = ", ".join(claim_name(d, by_id, paper) for d in c.depends_on)
                out.append(f"- {text(c.label)} uses {text(used)}")
            out.append("")

    mutation = report.mutation_summary()
    if mutation:
        out += _mutation(mutation)
    refuted = [c for c in report.claims if c.verdict == "refuted"]
    if refuted:
        out += ["## Refutations", ""]
        for c in refuted:
            out += _refutation(c, by_id)
    errors = [c for c in report.claims if c.verdict == "error"]
    if errors:
        out += ["## Errors", ""]
        for c in errors:
            out += _error(c)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
