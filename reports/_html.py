"""The HTML report: one self-contained page (inline CSS and SVG, no external resource).

Layout: a header with the run settings and the environment, a summary bar of verdict
counts, then per paper its proof graph (an SVG laid out here, layered by dependency depth)
and its claims, each a ``<details>`` row that opens onto the evidence: statement,
hypotheses, numbers, notes, the counterexample printed as matrices, the certificate, the
reproduce command, the traceback of an error and the figures.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import _figures
from ._format import (
    MAX_ROWS,
    ArrayView,
    as_array,
    claim_name,
    fmt_duration,
    fmt_number,
    fmt_percent,
    fmt_rate,
    fmt_scalar,
    instances_text,
    matrix_cells,
    metric_text,
    mutation_text,
    papers_in_order,
    premise_text,
    shape_text,
    slices,
    support_text,
    totals_text,
    unexpected,
    verdict_colors,
)
from .model import VERDICTS, ClaimResult, Figure, Report

WEAK = ("refuted", "vacuous", "error")


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _anchor_ids(report: Report) -> dict[str, str]:
    """A unique, deterministic HTML id per claim id."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for c in report.claims:
        if c.id in out:
            continue
        base = "claim-" + (re.sub(r"[^0-9A-Za-z_-]+", "-", c.id).strip("-") or "x")
        name, k = base, 2
        while name in used:
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        out[c.id] = name
    return out


def _paper_anchor(paper: str, index: int) -> str:
    return f"paper-{index}-" + (re.sub(r"[^0-9A-Za-z_-]+", "-", paper).strip("-") or "x")


def badge(verdict: str) -> str:
    bg, fg = verdict_colors(verdict)
    return f'<span class="badge" style="background:{bg};color:{fg}">{esc(verdict)}</span>'


# -- values and matrices -------------------------------------------------------------------------


def matrix_html(a: ArrayView) -> str:
    """A 1-D (row vector) or 2-D array as a bracketed table of compact numbers."""
    cells, note = matrix_cells(a)
    rows = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>" for r in cells)
    out = f'<span class="matrix"><table><tbody>{rows}</tbody></table></span>'
    if note:
        out += f'<span class="trunc">{esc(note)}</span>'
    return out


def value_html(value: Any, depth: int = 0) -> str:
    """A counterexample value: matrices, row vectors, stacks of matrices, dicts, scalars."""
    arr = as_array(value)
    if arr is not None and arr.shape == (0,):
        return '<span class="scalar">[]</span>'
    if arr is not None and arr.ndim in (1, 2) and 0 not in arr.shape:
        return matrix_html(arr)
    if arr is not None and arr.ndim >= 3 and 0 not in arr.shape:
        parts, note = slices(arr)
        items = "".join(
            f'<div class="slice"><span class="slice-label">{esc(label)}</span>'
            f"{matrix_html(sub)}</div>"
            for label, sub in parts
        )
        trunc = f'<span class="trunc">{esc(note)}</span>' if note else ""
        return f'<div class="slices">{items}</div>{trunc}'
    if isinstance(value, Mapping) and depth < 4:
        rows = "".join(
            f"<dt>{esc(k)}</dt><dd>{value_html(v, depth + 1)}</dd>" for k, v in value.items()
        )
        return f'<dl class="kv">{rows}</dl>'
    if isinstance(value, (list, tuple, Mapping)):
        return f'<code class="scalar">{esc(_compact(value))}</code>'
    return f'<span class="scalar">{esc(fmt_scalar(value))}</span>'


def _compact(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        items = [_compact(v) for v in value[:MAX_ROWS]]
        if len(value) > MAX_ROWS:
            items.append(f"… ({len(value)} items)")
        return "[" + ", ".join(items) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    return fmt_scalar(value)


def counterexample_html(cx: Mapping[str, Any]) -> str:
    items = []
    for name, value in cx.items():
        arr = as_array(value)
        shape = ""
        if arr is not None and arr.ndim >= 1 and 0 not in arr.shape:
            shape = f'<span class="shape">{esc(shape_text(arr.shape))}</span>'
        items.append(
            f'<div class="cx-var"><span class="cx-name">{esc(name)}</span>'
            f'<span class="cx-eq">=</span><div class="cx-val">{value_html(value)}{shape}</div>'
            "</div>"
        )
    return f'<div class="counterexample">{"".join(items)}</div>'


# -- figures -------------------------------------------------------------------------------------


def figure_table(fig: Figure, reason: str) -> str:
    """The data of a figure as small tables, when it cannot be drawn."""
    parts = [f'<p class="note">{esc(reason)}; its data:</p>']
    for s in fig.series:
        xs, ys = list(s.get("x") or []), list(s.get("y") or [])
        n = min(len(xs), len(ys))
        shown = list(range(n)) if n <= 2 * MAX_ROWS else list(range(2 * MAX_ROWS))
        rows = "".join(
            f"<tr><td>{esc(fmt_scalar(xs[i]))}</td><td>{esc(fmt_scalar(ys[i]))}</td></tr>"
            for i in shown
        )
        more = (
            f'<tr><td colspan="2" class="trunc">… {n - len(shown)} more points</td></tr>'
            if len(shown) < n
            else ""
        )
        parts.append(
            f'<table class="data"><caption>{esc(s.get("label", ""))}</caption>'
            f"<thead><tr><th>{esc(fig.xlabel or 'x')}</th><th>{esc(fig.ylabel or 'y')}</th>"
            f"</tr></thead><tbody>{rows}{more}</tbody></table>"
        )
    return f'<div class="figure-data">{"".join(parts)}</div>'


def figure_html(fig: Figure, id_prefix: str, can_draw: bool) -> str:
    """A figure as inline SVG, or its data as tables (with the reason) when it cannot be
    drawn."""
    drawn = False
    if can_draw:
        try:
            body = _figures.figure_svg(fig, id_prefix)
            drawn = True
        except Exception as exc:  # a bad series must not cost the whole report
            reason = f"The figure could not be drawn ({type(exc).__name__}: {exc})"
            body = figure_table(fig, reason)
    else:
        body = figure_table(fig, "matplotlib is not installed, so the figure is not drawn")
    title = "" if drawn else f'<div class="fig-title">{esc(fig.title)}</div>'
    caption = f"<figcaption>{esc(fig.caption)}</figcaption>" if fig.caption else ""
    return f'<figure class="plot">{title}{body}{caption}</figure>'


# -- the proof graph -------------------------------------------------------------------------------

NODE_H = 42
DUMMY_H = 4
GAP_X = 64
GAP_Y = 16
PAD = 12
MAX_LABEL = 26


@dataclass
class _Layout:
    """Layers of items (claim ids, and ``("~", src, dst, k)`` waypoints of edges that span
    several layers) and, per edge ``(src, dst)``, the chain of items it passes through."""

    layers: list[list[Any]]
    chains: dict[tuple[str, str], list[Any]]


def _layout(nodes: list[str], preds: dict[str, list[str]]) -> _Layout:
    """Nodes layered by the longest path from a source (cycles broken); an edge spanning
    several layers gets a waypoint in each layer it crosses, so that it runs between the
    nodes rather than under them; each layer is ordered to reduce crossings by a few
    deterministic barycentre sweeps (Sugiyama's scheme)."""
    depth: dict[str, int] = {}
    on_stack: set[str] = set()

    def visit(n: str) -> int:
        if n in depth:
            return depth[n]
        on_stack.add(n)
        d = 0
        for p in preds[n]:
            if p not in on_stack:
                d = max(d, visit(p) + 1)
        on_stack.discard(n)
        depth[n] = d
        return d

    for n in nodes:
        visit(n)
    layers: list[list[Any]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for n in nodes:
        layers[depth[n]].append(n)
    up: dict[Any, list[Any]] = {n: [] for n in nodes}
    down: dict[Any, list[Any]] = {n: [] for n in nodes}
    chains: dict[tuple[str, str], list[Any]] = {}
    for n in nodes:
        for p in preds[n]:
            chain: list[Any] = [p]
            if depth[n] > depth[p]:  # (a back edge of a cycle is drawn as a loop)
                for k, li in enumerate(range(depth[p] + 1, depth[n])):
                    dummy = ("~", p, n, k)
                    layers[li].append(dummy)
                    up[dummy], down[dummy] = [], []
                    chain.append(dummy)
            chain.append(n)
            chains[(p, n)] = chain
            if depth[n] > depth[p]:
                for a, b in itertools.pairwise(chain):
                    up[b].append(a)
                    down[a].append(b)

    def pos() -> dict[Any, float]:
        return {n: i - (len(layer) - 1) / 2 for layer in layers for i, n in enumerate(layer)}

    def sweep(order: range, neighbours: dict[Any, list[Any]]) -> None:
        for li in order:
            p = pos()
            layer = layers[li]
            mid = (len(layer) - 1) / 2
            keys = {}
            for i, n in enumerate(layer):
                ns = [p[m] for m in neighbours[n]]
                keys[n] = (sum(ns) / len(ns) if ns else i - mid, i)
            layers[li] = sorted(layer, key=keys.__getitem__)

    for _ in range(4):
        sweep(range(1, len(layers)), up)
        sweep(range(len(layers) - 2, -1, -1), down)
    return _Layout(layers, chains)


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _edge_path(points: list[tuple[float, float]]) -> str:
    """Through ``points`` (start, then a pair per waypoint column, then end): smooth
    horizontal-tangent curves across the gaps between columns, straight through columns."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M{x0:.1f},{y0:.1f}"]
    prev = (x0, y0)
    for i, (x, y) in enumerate(rest):
        if i % 2 == 0:  # across a gap
            dx = (x - prev[0]) / 2
            d.append(f"C{prev[0] + dx:.1f},{prev[1]:.1f} {x - dx:.1f},{y:.1f} {x:.1f},{y:.1f}")
        else:  # through a waypoint's column
            d.append(f"L{x:.1f},{y:.1f}")
        prev = (x, y)
    return " ".join(d)


def proof_graph_svg(
    paper: str,
    claims: list[ClaimResult],
    by_id: Mapping[str, ClaimResult],
    anchors: Mapping[str, str],
    uid: str,
) -> str:
    """The proof graph of one paper as inline SVG: a node per claim filled by its verdict,
    an arrow from each lemma to every result whose proof uses it, layered left to right by
    dependency depth. Claims of other papers that a proof uses appear as outlined nodes."""
    ids = [c.id for c in claims]
    here = set(ids)
    external: list[str] = []
    for c in claims:
        for d in c.depends_on:
            if d not in here and d not in external:
                external.append(d)
    nodes = external + ids
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for c in claims:
        for d in c.depends_on:
            if d not in preds[c.id] and d != c.id:
                preds[c.id].append(d)
    layout = _layout(nodes, preds)
    layers = layout.layers

    def text_of(n: str) -> str:
        c = by_id.get(n)
        if n in here:
            return c.label  # type: ignore[union-attr]
        return claim_name(n, by_id, paper)

    def h(item: Any) -> int:
        return DUMMY_H if isinstance(item, tuple) else NODE_H

    def span(layer: list[Any]) -> float:
        return sum(h(n) for n in layer) + max(len(layer) - 1, 0) * GAP_Y

    longest = max((len(_short(text_of(n))) for n in nodes), default=8)
    node_w = max(104, min(250, int(7.9 * longest) + 24))
    height = int(2 * PAD + max((span(layer) for layer in layers), default=NODE_H))
    width = 2 * PAD + len(layers) * node_w + (len(layers) - 1) * GAP_X
    xy: dict[Any, tuple[float, float]] = {}
    for li, layer in enumerate(layers):
        x = PAD + li * (node_w + GAP_X)
        y = (height - span(layer)) / 2
        for n in layer:
            xy[n] = (x, y)
            y += h(n) + GAP_Y

    marker = f"{uid}-arrow"
    marker_weak = f"{uid}-arrow-weak"
    out = [
        f'<svg class="proof-graph" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'aria-label="{esc("Proof graph of " + paper)}">',
        "<defs>",
        f'<marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#5f6b76"/></marker>',
        f'<marker id="{marker_weak}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#c62828"/></marker>',
        "</defs>",
    ]
    for (p, n), chain in layout.chains.items():
        target = by_id.get(n)
        gap = 6 if n in here and target is not None and target.unsupported_by else 1
        x1, y1 = xy[p][0] + node_w, xy[p][1] + NODE_H / 2
        x2, y2 = xy[n][0] - gap, xy[n][1] + NODE_H / 2
        if x2 <= x1:  # a back edge of a cycle: loop around underneath
            d = (
                f"M{x1:.1f},{y1:.1f} C{x1 + GAP_X:.1f},{y1 + 2 * NODE_H:.1f} "
                f"{x2 - GAP_X:.1f},{y2 + 2 * NODE_H:.1f} {x2:.1f},{y2:.1f}"
            )
        else:
            points = [(x1, y1)]
            for w in chain[1:-1]:
                wy = xy[w][1] + DUMMY_H / 2
                points += [(xy[w][0], wy), (xy[w][0] + node_w, wy)]
            points.append((x2, y2))
            d = _edge_path(points)
        dep = by_id.get(p)
        weak = dep is not None and dep.verdict in WEAK
        cls = "edge weak" if weak else "edge"
        stroke = "#c62828" if weak else "#8a96a3"
        dash = ' stroke-dasharray="5 3"' if weak else ""
        out.append(
            f'<path class="{cls}" d="{d}" fill="none" stroke="{stroke}" '
            f'stroke-width="1.5"{dash} marker-end="url(#{marker_weak if weak else marker})">'
            f"<title>{esc(text_of(p))} → {esc(text_of(n))}</title></path>"
        )
    for n in nodes:
        x, y = xy[n]
        c = by_id.get(n)
        label = _short(text_of(n))
        if n in here and c is not None:
            bg, fg = verdict_colors(c.verdict)
            tip = f"{c.label} — {c.verdict}\n{c.statement}"
            if c.unsupported_by:
                tip += f"\nloses support: {support_text(c, by_id)}"
            ring = ""
            if c.unsupported_by:
                ring = (
                    f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="{node_w + 8}" '
                    f'height="{NODE_H + 8}" rx="9" fill="none" stroke="#c62828" '
                    'stroke-width="2" stroke-dasharray="6 3"/>'
                )
            cls = "node unsupported" if c.unsupported_by else "node"
            out.append(
                f'<a href="#{esc(anchors[n])}" class="{cls}" data-claim="{esc(n)}">'
                f"<title>{esc(tip)}</title>{ring}"
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{node_w}" height="{NODE_H}" rx="6" '
                f'fill="{bg}" stroke="rgba(0,0,0,.25)" stroke-width="1"/>'
                f'<text x="{x + node_w / 2:.1f}" y="{y + 18:.1f}" text-anchor="middle" '
                f'fill="{fg}" font-size="13" font-weight="600">{esc(label)}</text>'
                f'<text x="{x + node_w / 2:.1f}" y="{y + 33:.1f}" text-anchor="middle" '
                f'fill="{fg}" font-size="10.5" opacity="0.92">{esc(c.verdict)}</text></a>'
            )
        else:
            verdict = c.verdict if c is not None else "not in this report"
            inner = (
                f"<title>{esc(claim_name(n, by_id))} — {esc(verdict)}</title>"
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{node_w}" height="{NODE_H}" rx="6" '
                'fill="#ffffff" stroke="#8a96a3" stroke-width="1.2" stroke-dasharray="3 2"/>'
                f'<text x="{x + node_w / 2:.1f}" y="{y + 18:.1f}" text-anchor="middle" '
                f'fill="#37424d" font-size="12">{esc(label)}</text>'
                f'<text x="{x + node_w / 2:.1f}" y="{y + 33:.1f}" text-anchor="middle" '
                f'fill="#5f6b76" font-size="10.5">{esc(verdict)}</text>'
            )
            if n in anchors:
                out.append(f'<a href="#{esc(anchors[n])}" class="node external">{inner}</a>')
            else:
                out.append(f'<g class="node external">{inner}</g>')
    out.append("</svg>")
    return "".join(out)


# -- claims ------------------------------------------------------------------------------------


def _section(title: str, body: str) -> str:
    return f'<div class="field"><h4>{esc(title)}</h4>{body}</div>'


def _numbers(c: ClaimResult) -> str:
    rows = [
        ("examples", fmt_number(c.examples)),
        ("premise met", f"{fmt_number(c.premise_met)} ({fmt_percent(c.premise_rate)})"),
        ("decided / undecided", f"{fmt_number(c.decided)} / {fmt_number(c.undecided)}"),
        ("expected verdict", c.expected),
        ("duration", fmt_duration(c.duration_s)),
        ("instances", instances_text(c)),
        ("instances/s", fmt_rate(c.instances_per_s)),
    ]
    if c.min_margin is not None:
        rows.append(("smallest rank margin", fmt_number(c.min_margin, 4)))
    body = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    extra = ""
    if c.tightness:
        extra += _section("Tightness (worst LHS/RHS)", value_html(c.tightness))
    if c.confidence:
        extra += _section("Confidence", value_html(c.confidence))
    return f'<dl class="numbers">{body}</dl>{extra}'


def _mutation_html(m: Mapping[str, Any]) -> str:
    if not m.get("mutants"):
        return f'<p class="prose">{esc(m.get("note", "no mutants"))}</p>'
    rate = m.get("kill_rate")
    head = (
        f'<p class="prose">{m["mutants"]} mutants on the {esc(m.get("profile"))} profile: '
        f"{m.get('killed', 0)} killed, {m.get('survived', 0)} survived, "
        f"{m.get('equivalent', 0)} equivalent and {m.get('vacuous', 0)} vacuous (not "
        f"counted), {m.get('error', 0)} crashed; kill rate "
        f"{esc(fmt_percent(rate))}. Premises never unmet (not dropped): "
        f"{m.get('premises_never_unmet', 0)}; ranks feeding premises (not mutated): "
        f"{m.get('ranks_feeding_premises', 0)}.</p>"
    )
    rows = "".join(
        f'<tr class="mut-{esc(o["status"])}"><td>{esc(o["description"])}</td>'
        f"<td><code>{esc(o['site'])}</code> {esc(o['name'])}</td>"
        f"<td>{esc(o['status'])}</td><td>{esc(o['detail'])}"
        + (f"<br><em>{esc(o['explanation'])}</em>" if o.get("explanation") else "")
        + "</td></tr>"
        for o in m.get("outcomes", [])
    )
    return (
        head + '<table class="mutants"><thead><tr><th>mutant</th><th>site</th><th>outcome</th>'
        f"<th>evidence</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def claim_html(
    c: ClaimResult,
    by_id: Mapping[str, ClaimResult],
    anchors: Mapping[str, str],
    can_draw: bool,
    mutated: bool = False,
) -> str:
    anchor = anchors[c.id]
    surprise = ""
    if unexpected(c):
        surprise = (
            f'<span class="unexpected" title="expected {esc(c.expected)}">'
            f"≠ {esc(c.expected)}</span>"
        )
    flag = (
        f'<span class="lost" title="loses support: {esc(support_text(c, by_id))}">'
        "loses support</span>"
        if c.unsupported_by
        else ""
    )
    summary = (
        "<summary>"
        '<span class="c-label"><span class="c-line"><span class="chev" aria-hidden="true">'
        f'</span><span class="c-text">{esc(c.label)}</span></span>{flag}</span>'
        f'<span class="c-kind">{esc(c.kind)}</span>'
        f'<span class="c-verdict">{badge(c.verdict)}{surprise}</span>'
        f'<span class="c-num">{esc(fmt_number(c.examples))}</span>'
        f'<span class="c-num" title="{esc(premise_text(c))}">{esc(fmt_percent(c.premise_rate))}'
        "</span>"
        f'<span class="c-metric">{esc(metric_text(c))}</span>'
        + (
            f'<span class="c-num" title="mutants killed / mutants">{esc(mutation_text(c))}</span>'
            if mutated
            else ""
        )
        + f'<span class="c-num c-rate" title="{esc(instances_text(c))}">'
        f"{esc(fmt_rate(c.instances_per_s))}</span>"
        f'<span class="c-num">{esc(fmt_duration(c.duration_s))}</span>'
        "</summary>"
    )
    body = [f'<blockquote class="statement">{esc(c.statement)}</blockquote>']
    body.append(f'<p class="cid">id <code>{esc(c.id)}</code></p>')
    if c.unsupported_by:
        body.append(
            '<div class="callout lost-support"><strong>Loses support:</strong> its proof uses '
            + ", ".join(
                f'<a href="#{esc(anchors[d])}">{esc(claim_name(d, by_id, c.paper))}</a> '
                f"({esc(by_id[d].verdict)})"
                if d in anchors
                else esc(d)
                for d in c.unsupported_by
            )
            + ".</div>"
        )
    if c.hypotheses:
        items = "".join(f"<li>{esc(h)}</li>" for h in c.hypotheses)
        body.append(_section("Hypotheses", f"<ul>{items}</ul>"))
    if c.depends_on:
        links = ", ".join(
            f'<a href="#{esc(anchors[d])}">{esc(claim_name(d, by_id, c.paper))}</a>'
            if d in anchors
            else f"<code>{esc(d)}</code>"
            for d in c.depends_on
        )
        body.append(_section("Proof uses", f"<p>{links}</p>"))
    if c.evidence:
        body.append(_section("Evidence", f'<p class="prose">{esc(c.evidence)}</p>'))
    if c.tolerance:
        body.append(_section("Tolerance", f'<p class="prose">{esc(c.tolerance)}</p>'))
    body.append(_section("Numbers", _numbers(c)))
    if c.notes:
        items = "".join(f"<li>{esc(n)}</li>" for n in c.notes)
        body.append(_section("Notes", f"<ul>{items}</ul>"))
    if c.counterexample:
        body.append(_section("Counterexample", counterexample_html(c.counterexample)))
    if c.certificate:
        body.append(_section("Certificate", f'<p class="prose">{esc(c.certificate)}</p>'))
    if c.reproduce:
        body.append(
            _section("Reproduce", f'<pre class="cmd"><code>{esc(c.reproduce)}</code></pre>')
        )
    if c.error:
        body.append(_section("Error", f'<pre class="traceback">{esc(c.error)}</pre>'))
    if c.mutation:
        body.append(_section("Mutation analysis", _mutation_html(c.mutation)))
    if c.figures:
        figs = "".join(
            figure_html(f, f"{anchor}-fig{i}", can_draw) for i, f in enumerate(c.figures)
        )
        body.append(_section("Figures", f'<div class="figures">{figs}</div>'))
    open_ = " open" if c.verdict == "refuted" else ""
    return (
        f'<details class="claim v-{esc(c.verdict)}" id="{esc(anchor)}"{open_}>{summary}'
        f'<div class="claim-body">{"".join(body)}</div></details>'
    )


# -- the page -----------------------------------------------------------------------------------


def _summary_bar(counts: Mapping[str, int], total: int) -> str:
    segs = []
    for v, n in counts.items():
        if not n:
            continue
        bg, fg = verdict_colors(v)
        segs.append(
            f'<div class="seg" style="flex-grow:{n};background:{bg};color:{fg}" '
            f'title="{esc(v)}: {n}"><span>{n}</span></div>'
        )
    if not segs:
        segs.append('<div class="seg empty" style="flex-grow:1"><span>no claims</span></div>')
    legend = []
    for v, n in counts.items():
        bg, _ = verdict_colors(v)
        zero = " zero" if not n else ""
        legend.append(
            f'<span class="legend-item{zero}"><span class="swatch" style="background:{bg}">'
            f"</span>{esc(v)} <strong>{n}</strong></span>"
        )
    return (
        f'<div class="summary-bar" role="img" aria-label="verdict counts">{"".join(segs)}</div>'
        f'<div class="legend">{"".join(legend)}<span class="legend-item total">total '
        f"<strong>{total}</strong></span></div>"
    )


def _counts(claims: list[ClaimResult]) -> dict[str, int]:
    counts = dict.fromkeys(VERDICTS, 0)
    for c in claims:
        counts[c.verdict] = counts.get(c.verdict, 0) + 1
    return counts


def _mini_counts(claims: list[ClaimResult]) -> str:
    parts = []
    for v, n in _counts(claims).items():
        if n:
            bg, fg = verdict_colors(v)
            parts.append(
                f'<span class="mini" style="background:{bg};color:{fg}" title="{esc(v)}">'
                f"{n} {esc(v)}</span>"
            )
    return "".join(parts)


def head_row(mutated: bool = False) -> str:
    return (
        '<div class="claims-head" aria-hidden="true"><span>claim</span><span>kind</span>'
        '<span>verdict</span><span class="c-num">examples</span>'
        '<span class="c-num">premise</span><span>tightness / margin / CI</span>'
        + ('<span class="c-num">mutants killed</span>' if mutated else "")
        + '<span class="c-num" title="instances checked per second of search; hover a value '
        'for the instances and the batch size">instances/s</span>'
        '<span class="c-num">time</span></div>'
    )


def _mutation_summary_html(ms: Mapping[str, Any]) -> str:
    survivors = ms.get("survivors", [])
    items = "".join(
        f"<li><code>{esc(s['claim'])}</code>: {esc(s['description'])} at "
        f"<code>{esc(s['site'])}</code> ({esc(s['status'])})"
        + (f" — <em>{esc(s['explanation'])}</em>" if s.get("explanation") else " — unexplained")
        + "</li>"
        for s in survivors
    )
    return (
        '<div class="callout"><strong>Mutation analysis</strong> (profile '
        f"{esc(ms.get('profile'))}): {ms['mutants']} mutants of {ms['claims_mutated']} claims "
        f"that hold; {ms['killed']} killed, {ms['survived']} survived, {ms['error']} crashed, "
        f"{ms['equivalent']} equivalent and {ms['vacuous']} vacuous (not counted). Kill rate "
        f"<strong>{esc(fmt_percent(ms.get('kill_rate')))}</strong>; "
        f"{ms.get('explained', 0)} of {len(survivors)} survivors explained."
        + (f"<ul>{items}</ul>" if items else "")
        + "</div>"
    )


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (see the module docstring)."""
    by_id = {c.id: c for c in report.claims}
    anchors = _anchor_ids(report)
    papers = papers_in_order(report)
    can_draw = any(c.figures for c in report.claims) and _figures.available()

    settings = [
        ("generated", report.generated_at),
        ("profile", report.profile),
        ("seed", report.seed),
        ("schema", report.schema_version),
        ("claims", len(report.claims)),
        ("papers", len(papers)),
    ]
    settings_html = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in settings)
    env_html = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in report.environment.items())
    header = (
        '<header class="page-head"><h1>rankclaims report'
        + (" (partial)" if report.not_run else "")
        + "</h1>"
        '<p class="subtitle">Claims of ML-theory papers about matrix ranks, checked by '
        "property-based search with certified rank decisions.</p>"
        '<div class="env"><section><h2>Run</h2>'
        f'<dl class="kvgrid">{settings_html}</dl></section>'
        f'<section><h2>Environment</h2><dl class="kvgrid">{env_html}</dl></section></div>'
        "</header>"
    )
    summary = [
        '<section class="summary"><h2>Summary</h2>',
        _summary_bar(report.summary(), len(report.claims)),
        f'<p class="totals">{esc(totals_text(report.claims))}</p>',
    ]
    if report.not_run:
        items = ", ".join(f"<code>{esc(i)}</code>" for i in report.not_run)
        summary.append(
            f'<div class="callout warn"><strong>Partial report</strong>: the run was '
            f"interrupted; {len(report.not_run)} claim{'s' if len(report.not_run) != 1 else ''}"
            " did not run: "
            f"{items}</div>"
        )
    mutation = report.mutation_summary()
    if mutation:
        summary.append(_mutation_summary_html(mutation))
    if papers:
        rows = "".join(
            f'<li><a href="#{_paper_anchor(p, i)}">{esc(p)}</a>'
            f'<span class="toc-title">{esc(report.papers.get(p, ""))}</span>'
            f'<span class="minis">{_mini_counts(cs)}</span></li>'
            for i, (p, cs) in enumerate(papers)
        )
        summary.append(f'<ul class="toc">{rows}</ul>')
    summary.append("</section>")

    sections = []
    mut_cls = " mut" if mutation else ""
    for i, (paper, claims) in enumerate(papers):
        pa = _paper_anchor(paper, i)
        title = report.papers.get(paper, "")
        graph = proof_graph_svg(paper, claims, by_id, anchors, f"{pa}-graph")
        lost = [c for c in claims if c.unsupported_by]
        if lost:
            items = "".join(
                f'<li><a href="#{esc(anchors[c.id])}">{esc(c.label)}</a>: through '
                f"{esc(support_text(c, by_id))}</li>"
                for c in lost
            )
            lost_html = f'<div class="loses-support"><h4>Loses support</h4><ul>{items}</ul></div>'
        else:
            lost_html = '<p class="note">Every result keeps its support.</p>'
        rows = "".join(claim_html(c, by_id, anchors, can_draw, bool(mutation)) for c in claims)
        sections.append(
            f'<section class="paper" id="{pa}"><div class="paper-head"><h2>{esc(paper)}</h2>'
            f'<span class="minis">{_mini_counts(claims)}</span></div>'
            + (f'<p class="citation">{esc(title)}</p>' if title else "")
            + '<div class="graph-box"><h3>Proof graph</h3>'
            f'<div class="graph-scroll">{graph}</div>'
            '<p class="graph-legend">An arrow goes from a claim to each result whose proof '
            "uses it; a red dashed arrow leaves a refuted, vacuous or failed claim; a red "
            "dashed outline marks a result that loses its support. Click a node to open "
            f"its claim.</p>{lost_html}</div>"
            f'<h3>Claims</h3><div class="claims{mut_cls}">{head_row(bool(mutation))}{rows}</div>'
            "</section>"
        )
    if not papers:
        sections.append('<p class="note">The report holds no claims.</p>')

    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>rankclaims report{' (partial)' if report.not_run else ''} — "
        f"{esc(report.generated_at)}</title>"
        f"<style>{CSS}</style></head><body><main>"
        + header
        + "".join(summary)
        + "".join(sections)
        + f"<footer>rankclaims report, schema {esc(report.schema_version)}.</footer>"
        + f"</main><script>{SCRIPT}</script></body></html>\n"
    )


#: Opens every claim before printing, so a printout shows all the evidence.
SCRIPT = (
    "addEventListener('beforeprint',function(){document.querySelectorAll('details')"
    ".forEach(function(d){d.dataset.wasOpen=d.open;d.open=true;});});"
    "addEventListener('afterprint',function(){document.querySelectorAll('details')"
    ".forEach(function(d){d.open=d.dataset.wasOpen==='true';});});"
)

CSS = """
:root{--fg:#1d2329;--muted:#5f6b76;--line:#dde2e7;--soft:#f5f7f9;--accent:#1f5f99;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:#fff;font:15px/1.5 system-ui,-apple-system,"Segoe UI",
Roboto,"Helvetica Neue",Arial,"Noto Sans","DejaVu Sans",sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 28px 48px}
h1{font-size:28px;margin:0 0 2px;letter-spacing:-.01em}
h2{font-size:20px;margin:0 0 10px}
h3{font-size:15px;margin:22px 0 8px;color:var(--muted);text-transform:uppercase;
letter-spacing:.06em}
h4{font-size:12.5px;margin:0 0 4px;color:var(--muted);text-transform:uppercase;
letter-spacing:.06em}
a{color:var(--accent)}
code,pre{font-family:var(--mono);font-size:13px}
.subtitle{color:var(--muted);margin:0 0 18px}
.page-head{border-bottom:1px solid var(--line);padding-bottom:16px;margin-bottom:22px}
.env{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,2fr);gap:18px}
.env section{background:var(--soft);border:1px solid var(--line);border-radius:8px;
padding:12px 16px}
.env h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);
margin-bottom:6px}
.kvgrid{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 14px;margin:0;
font-size:13.5px}
.kvgrid dt{color:var(--muted)}
.kvgrid dd{margin:0;font-family:var(--mono);font-size:12.5px;overflow-wrap:anywhere}
.summary{margin-bottom:30px}
.summary-bar{display:flex;height:30px;border-radius:6px;overflow:hidden;
border:1px solid rgba(0,0,0,.08)}
.seg{display:flex;align-items:center;justify-content:center;min-width:26px;font-weight:600;
font-size:13px}
.seg.empty{background:var(--soft);color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:10px 0 4px;font-size:13.5px}
.legend-item{display:inline-flex;align-items:center;gap:6px}
.legend-item.zero{color:#9aa4ad}
.legend-item.total{margin-left:auto;color:var(--muted)}
.totals{margin:6px 0 0;font-size:13.5px;color:var(--muted)}
.swatch{width:12px;height:12px;border-radius:3px;display:inline-block}
.toc{list-style:none;margin:16px 0 0;padding:0;border-top:1px solid var(--line)}
.toc li{display:grid;grid-template-columns:10rem minmax(0,1fr) auto;gap:12px;
align-items:baseline;padding:7px 2px;border-bottom:1px solid var(--line)}
.toc a{font-weight:600;text-decoration:none}
.toc-title{color:var(--muted);font-size:13.5px;overflow:hidden;text-overflow:ellipsis;
white-space:nowrap}
.minis{display:inline-flex;flex-wrap:wrap;gap:4px}
.mini{font-size:11.5px;font-weight:600;padding:1px 7px;border-radius:10px;white-space:nowrap}
.paper{margin-top:36px;padding-top:8px;border-top:3px solid var(--fg)}
.paper-head{display:flex;flex-wrap:wrap;align-items:center;gap:12px;margin-top:10px}
.paper-head h2{margin:0;font-size:22px}
.citation{color:var(--muted);margin:4px 0 0;font-size:14px}
.graph-box{border:1px solid var(--line);border-radius:8px;padding:4px 16px 12px;
margin-top:14px}
.graph-scroll{overflow-x:auto}
.proof-graph{display:block;max-width:100%;height:auto;margin:6px 0;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.proof-graph a:hover rect{filter:brightness(1.08)}
.graph-legend{font-size:12.5px;color:var(--muted);margin:6px 0}
.loses-support{border-left:3px solid #c62828;background:#fdf3f3;padding:6px 12px;
border-radius:0 6px 6px 0;margin-top:8px}
.loses-support ul{margin:0;padding-left:18px;font-size:14px}
.note{color:var(--muted);font-size:13.5px}
.claims{border:1px solid var(--line);border-radius:8px;overflow:hidden}
.claims-head,.claim>summary{display:grid;align-items:center;column-gap:12px;
grid-template-columns:minmax(9rem,1.25fr) 8.2rem 8.5rem 4.8rem 4.8rem minmax(10rem,2fr) 5.6rem
4.6rem}
.claims.mut .claims-head,.claims.mut .claim>summary{grid-template-columns:minmax(9rem,1.25fr)
8.2rem 8.5rem 4.8rem 4.8rem minmax(10rem,2fr) 4.8rem 5.6rem 4.6rem}
table.mutants{border-collapse:collapse;font-size:13px;width:100%}
table.mutants td,table.mutants th{border-top:1px solid var(--line);padding:3px 6px;
text-align:left;vertical-align:top}
tr.mut-survived td,tr.mut-error td{background:#fdf3f3}
.claims-head{background:var(--soft);font-size:12px;font-weight:600;color:var(--muted);
text-transform:uppercase;letter-spacing:.05em;padding:8px 14px}
.claim{border-top:1px solid var(--line)}
.claim>summary{list-style:none;cursor:pointer;padding:8px 14px;font-size:14px}
.claim>summary::-webkit-details-marker{display:none}
.claim>summary:hover{background:#f8fafc}
.claim[open]>summary{background:var(--soft);border-bottom:1px solid var(--line)}
.c-label{font-weight:600;display:flex;flex-direction:column;align-items:flex-start;gap:2px}
.c-line{display:flex;align-items:baseline;gap:6px}
.chev{display:inline-block;width:0;height:0;border-left:5px solid var(--muted);
border-top:4px solid transparent;border-bottom:4px solid transparent;margin-right:2px;
transition:transform .12s;flex:none;align-self:center}
.claim[open] .chev{transform:rotate(90deg)}
.c-kind{color:var(--muted);font-size:13px}
.c-num{text-align:right;font-variant-numeric:tabular-nums}
.c-metric{font-size:13px;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.badge{display:inline-block;padding:1px 9px;border-radius:11px;font-size:12px;font-weight:600;
letter-spacing:.02em}
.unexpected{margin-left:6px;font-size:11.5px;color:#a35200;white-space:nowrap}
.lost{font-size:11px;font-weight:600;color:#c62828;border:1px dashed #c62828;border-radius:9px;
padding:0 6px;margin-left:12px}
.claim-body{padding:12px 18px 16px 32px;display:grid;gap:12px}
.statement{margin:0;padding:8px 14px;border-left:3px solid var(--accent);background:#f4f8fc;
font-size:15.5px;white-space:pre-wrap}
.cid{margin:-6px 0 0;font-size:12.5px;color:var(--muted)}
.field ul{margin:0;padding-left:20px}
.field p{margin:0}
.prose{white-space:pre-wrap}
.numbers{display:grid;grid-template-columns:max-content auto;gap:1px 14px;margin:0;
font-size:13.5px}
.numbers dt{color:var(--muted)}
.numbers dd{margin:0;font-variant-numeric:tabular-nums}
.kv{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:0;font-size:13.5px}
.kv dt{color:var(--muted);font-family:var(--mono);font-size:12.5px}
.kv dd{margin:0}
.callout{padding:8px 12px;border-radius:6px;font-size:14px}
.callout.warn{background:#fff7e0;border:1px solid #f2d27a;margin-top:12px}
.lost-support{background:#fdf3f3;border:1px dashed #c62828}
.counterexample{display:flex;flex-wrap:wrap;gap:14px 36px;align-items:center}
.cx-var{display:flex;align-items:center;gap:8px}
.cx-name{font-family:var(--mono);font-weight:600;font-size:14px}
.cx-eq{color:var(--muted)}
.cx-val{display:flex;flex-direction:column;align-items:flex-start;gap:2px}
.shape,.trunc{font-size:11.5px;color:var(--muted)}
.trunc{display:block}
.matrix{position:relative;display:inline-block;padding:2px 7px}
.matrix::before,.matrix::after{content:"";position:absolute;top:0;bottom:0;width:6px;
border:1.6px solid var(--fg)}
.matrix::before{left:0;border-right:none}
.matrix::after{right:0;border-left:none}
.matrix table{border-collapse:collapse;font-family:var(--mono);font-size:13px;
font-variant-numeric:tabular-nums}
.matrix td{padding:1px 7px;text-align:right;white-space:nowrap}
.slices{display:flex;flex-wrap:wrap;gap:10px 18px}
.slice{display:flex;flex-direction:column;gap:2px}
.slice-label{font-family:var(--mono);font-size:11.5px;color:var(--muted)}
.scalar{font-family:var(--mono);font-size:13.5px}
pre{margin:0;padding:10px 12px;border-radius:6px;overflow-x:auto;white-space:pre-wrap;
overflow-wrap:anywhere}
pre.cmd{background:#1d2329;color:#e8edf2}
pre.traceback{background:#f7f2fb;border:1px solid #e2d3ee;color:#3b1754;max-height:28em}
.figures{display:flex;flex-wrap:wrap;gap:16px}
figure.plot{margin:0;max-width:660px;flex:1 1 460px}
svg.figure{display:block;width:100%;height:auto}
figcaption{font-size:13px;color:var(--muted);margin-top:4px}
.fig-title{font-weight:600;font-size:14px}
table.data{border-collapse:collapse;font-size:12.5px;margin:4px 16px 8px 0;display:inline-table}
table.data caption{text-align:left;font-weight:600;font-size:12.5px}
table.data th,table.data td{border:1px solid var(--line);padding:2px 8px;text-align:right;
font-family:var(--mono)}
footer{margin-top:40px;color:var(--muted);font-size:12.5px;border-top:1px solid var(--line);
padding-top:10px}
@media (max-width:820px){main{padding:16px}.env{grid-template-columns:1fr}
.claims-head{display:none}
.claim>summary,.claims.mut .claim>summary{grid-template-columns:1fr auto;row-gap:2px}
.c-kind,.c-num,.c-metric{font-size:12.5px;text-align:left}
.toc li{grid-template-columns:1fr}}
@media print{body{font-size:11.5pt}main{max-width:none;padding:0}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.paper{break-before:page}.claim{break-inside:avoid}.chev{display:none}
.graph-scroll{overflow:visible}pre{white-space:pre-wrap;max-height:none}
a{color:inherit;text-decoration:none}}
"""
