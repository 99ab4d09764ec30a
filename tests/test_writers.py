"""The report writers: strict JSON that reads back, Markdown tables, one self-contained HTML
page with proof graphs and figures, and atomic writes."""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections import Counter
from fractions import Fraction
from html.parser import HTMLParser

import numpy as np
import pytest

from rankclaims.reports import _figures, writers
from rankclaims.reports._format import fmt_number, metric_text
from rankclaims.reports.model import KINDS, VERDICTS, ClaimResult, Figure, Report
from rankclaims.reports.writers import (
    read_report,
    render_html,
    render_json,
    render_markdown,
    write_report,
)

EVIL = "<script>alert(1)</script>"


def make_report() -> Report:
    """Two papers, every verdict and kind, a refuted lemma whose loss of support runs
    through a chain (and across papers), a figure, non-finite numbers, hostile text."""
    claims = [
        ClaimResult(
            id="alpha/lemma-1",
            paper="alpha",
            label="Lemma 1",
            kind="rank",
            statement="r_{AB̂} ≥ r_{AB} for all A, B, B̂ with σ_min(B̂) ≥ 0",
            hypotheses=["A ∈ ℝ^{m×n}", "B ⊙ C has full column rank"],
            verdict="refuted",
            expected="refuted",
            examples=120,
            premise_met=120,
            premise_rate=1.0,
            decided=120,
            duration_s=0.5,
            min_margin=math.inf,
            counterexample={
                "A": [[1, 2, 3], [4, 5, 6]],
                "B": [[0.5, -1.25], [1e-9, 3.0]],
                "v": [1, 0, -2],
                "k": 2,
                "T": [[[1, 0], [0, 1]], [[2, 0], [0, 0]]],
                "big": [[i * 30 + j for j in range(30)] for i in range(30)],
            },
            certificate="exact rational recomputation",
            reproduce="pytest claims/alpha.py -k lemma_1 --hypothesis-seed=3",
            notes=["shrunk to integers"],
        ),
        ClaimResult(
            id="alpha/lemma-2",
            paper="alpha",
            label="Lemma 2",
            kind="identity",
            statement=f"Σ ∘ ℜ(x) = x {EVIL}",
            verdict="holds",
            examples=200,
            premise_met=200,
            premise_rate=float("nan"),
            duration_s=0.25,
            tolerance="relative error ≤ 64 eps",
        ),
        ClaimResult(
            id="alpha/theorem-1",
            paper="alpha",
            label="Theorem 1",
            kind="inequality",
            statement="min_{rank V ≤ B} ‖W − V‖ ≤ (1/2λ) min ‖∇‖",
            verdict="holds",
            depends_on=["alpha/lemma-1", "alpha/lemma-2"],
            examples=50,
            premise_met=40,
            premise_rate=0.8,
            tightness={"statistic": "d/b", "worst_ratio": 0.93, "lhs": 1.0, "rhs": math.inf},
        ),
        ClaimResult(
            id="alpha/corollary-1",
            paper="alpha",
            label="Corollary 1",
            kind="almost-everywhere",
            statement="rank(B ⊙ C) = N for a.e. B, C",
            verdict="inconclusive",
            depends_on=["alpha/theorem-1"],
            min_margin=-math.inf,
        ),
        ClaimResult(
            id="alpha/proposition-1",
            paper="alpha",
            label="Proposition 1",
            kind="probabilistic",
            statement="P(‖ĝ − g‖ ≤ t) ≥ 1 − δ",
            verdict="vacuous",
            examples=100,
            premise_met=2,
            premise_rate=0.02,
            confidence={"estimate": 0.97, "lower": 0.95, "upper": 0.99, "confidence": 0.999},
        ),
        ClaimResult(
            id="beta/theorem-2",
            paper="beta",
            label="Theorem 2",
            kind="asymptotic",
            statement="soft rank stays ≥ c·√d",
            verdict="holds",
            depends_on=["alpha/proposition-1"],
            figures=[
                Figure(
                    title="rank vs depth",
                    xlabel="depth",
                    ylabel="r(H)",
                    series=[
                        {"label": "BN", "x": [1, 2, 4, 8], "y": [9.0, 8.5, 8.4, float("nan")]},
                        {"label": "no BN", "x": [1, 2, 4, 8], "y": [9.0, 4.0, 2.0, 1.0]},
                    ],
                    logx=True,
                    caption="mean over 3 seeds",
                ),
                Figure(
                    title="second",
                    xlabel="x",
                    ylabel="y",
                    series=[{"label": "s", "x": [0, 1], "y": [1, 0]}],
                    kind="scatter",
                ),
            ],
        ),
        ClaimResult(
            id="beta/eq-3",
            paper="beta",
            label="Eq. 3",
            kind="identity",
            statement="W = −(1/2λ) Σ ∇ℓ",
            verdict="error",
            error=f"Traceback (most recent call last):\nValueError: {EVIL}",
        ),
        ClaimResult(
            id="beta/fact-1",
            paper="beta",
            label="Fact 1",
            kind="rank",
            statement="needs a GPU",
            verdict="skipped",
            notes=["needs CUDA | a pipe"],
        ),
    ]
    return Report(
        profile="quick",
        seed=1234,
        environment={"rankclaims": "0.1", "numpy": "2.1", "cuda": "not available"},
        claims=claims,
        generated_at="2024-01-01T00:00:00Z",
        papers={"alpha": "Alpha et al., 2020", "beta": f"Beta {EVIL}"},
        not_run=["beta/fact-9"],
    )


def by_id(report: Report) -> dict[str, ClaimResult]:
    return {c.id: c for c in report.claims}


def _reject(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


# -- JSON ---------------------------------------------------------------------------------------


def test_fixture_covers_every_verdict_and_kind():
    report = make_report()
    assert {c.verdict for c in report.claims} == set(VERDICTS)
    assert {c.kind for c in report.claims} == set(KINDS)


def test_json_is_strict_and_round_trips(tmp_path):
    report = make_report()
    paths = write_report(report, tmp_path)
    text = paths["json"].read_text(encoding="utf-8")
    data = json.loads(text, parse_constant=_reject)
    assert data["schema_version"] == report.schema_version
    entry = next(c for c in data["claims"] if c["id"] == "alpha/lemma-2")
    assert entry["premise_rate"] == "nan"
    assert data["claims"][0]["counterexample"]["A"] == [[1, 2, 3], [4, 5, 6]]
    for key in ("id", "paper", "label", "kind", "verdict", "examples", "premise_rate"):
        assert all(key in c for c in data["claims"])

    back = read_report(paths["json"])
    assert render_json(back) == text
    assert render_json(read_report(tmp_path)) == text  # the directory is accepted too
    got = by_id(back)
    assert math.isnan(got["alpha/lemma-2"].premise_rate)
    assert got["alpha/lemma-1"].min_margin == math.inf
    assert got["alpha/corollary-1"].min_margin == -math.inf
    assert got["alpha/theorem-1"].tightness["rhs"] == math.inf
    assert math.isnan(got["beta/theorem-2"].figures[0].series[0]["y"][3])
    assert isinstance(got["beta/theorem-2"].figures[0], Figure)
    assert got["alpha/theorem-1"].unsupported_by == ["alpha/lemma-1"]
    assert [c.id for c in back.claims] == [c.id for c in report.claims]


def test_json_converts_numpy_and_fractions():
    report = make_report()
    report.claims[0].counterexample = {
        "A": np.array([[1, 2], [3, 4]], dtype=np.int64),
        "x": np.float32(0.5),
        "q": [Fraction(1, 3), Fraction(4, 2)],
        "n": np.array([np.nan, np.inf]),
    }
    data = json.loads(render_json(report), parse_constant=_reject)
    cx = data["claims"][0]["counterexample"]
    assert cx == {"A": [[1, 2], [3, 4]], "x": 0.5, "q": ["1/3", 2], "n": ["nan", "inf"]}


def test_unwritable_value_names_where_it_is(tmp_path):
    report = make_report()
    report.claims[0].counterexample = {"A": object()}
    with pytest.raises(TypeError, match=r"counterexample.*'A'"):
        write_report(report, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_output_is_deterministic(tmp_path):
    a, b = make_report(), make_report()
    for render in (render_json, render_markdown, render_html):
        writers.support_status(a.claims)
        writers.support_status(b.claims)
        assert render(a) == render(b)
    pa = write_report(make_report(), tmp_path / "a")
    pb = write_report(make_report(), tmp_path / "b")
    for kind in ("json", "md", "html"):
        assert pa[kind].read_bytes() == pb[kind].read_bytes()


# -- support ------------------------------------------------------------------------------------


def test_refuted_and_vacuous_lemmas_remove_support_transitively(tmp_path):
    report = make_report()
    write_report(report, tmp_path)
    got = by_id(report)
    assert got["alpha/theorem-1"].unsupported_by == ["alpha/lemma-1"]
    assert got["alpha/corollary-1"].unsupported_by == ["alpha/lemma-1"]
    assert got["beta/theorem-2"].unsupported_by == ["alpha/proposition-1"]
    assert got["alpha/lemma-2"].unsupported_by == []


# -- Markdown ------------------------------------------------------------------------------------


def test_markdown_tables_refutations_and_support(tmp_path):
    report = make_report()
    md = write_report(report, tmp_path)["md"].read_text(encoding="utf-8")
    assert md.count("| label | kind | verdict | examples | premise rate") == 2
    assert "## alpha" in md and "## beta" in md
    assert "| quick |" in md and "| 1234 |" in md and "| numpy | 2.1 |" in md
    assert "| refuted | 1 |" in md and "| **total** | 8 |" in md
    # the counterexample, as matrices in fenced code blocks, integers without decimals
    assert "```\n  [[1 2 3]\n   [4 5 6]]\n  ```" in md
    assert "[[ 0.5 -1.25]\n   [1e-9     3]]" in md
    assert "[1 0 -2]" in md
    assert "showing 11 of 30 rows, 11 of 30 columns" in md
    assert "pytest claims/alpha.py -k lemma_1 --hypothesis-seed=3" in md
    assert "Certificate: exact rational recomputation" in md
    assert md.count("**loses support:** Lemma 1 (refuted)") == 2
    assert "**loses support:** alpha Proposition 1 (vacuous)" in md
    assert "needs CUDA \\| a pipe" in md
    # hostile text is not a tag outside code; the traceback stays verbatim in its block
    assert "Beta &lt;script>alert(1)&lt;/script>" in md
    assert f"```text\nTraceback (most recent call last):\nValueError: {EVIL}\n```" in md
    assert "beta/fact-9" in md


# -- HTML ----------------------------------------------------------------------------------------

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "area", "base", "source"}


class TagChecker(HTMLParser):
    """Checks that every element is closed, in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags[tag] += 1
        self.attrs += [(tag, k, v) for k, v in attrs]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()


@pytest.fixture(scope="module")
def page() -> str:
    report = make_report()
    writers.support_status(report.claims)
    return render_html(report)


def test_html_is_well_formed(page):
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert checker.tags["details"] == 8
    assert checker.tags["section"] >= 2


def test_html_has_no_external_resources(page):
    checker = TagChecker()
    checker.feed(page)
    for tag, name, value in checker.attrs:
        if name in ("src", "href", "xlink:href", "srcset", "action", "data"):
            assert value is None or value.startswith("#"), (tag, name, value)
    assert "<link" not in page and "<img" not in page and "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)


def test_html_escapes_text(page):
    assert EVIL not in page
    assert html_escaped(EVIL) in page
    assert page.count("<script>") == 1  # the page's own print helper
    assert "Σ ∘ ℜ(x)" in page and "σ_min(B̂) ≥ 0" in page


def html_escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_html_summary_and_environment(page):
    assert 'class="summary-bar"' in page
    for verdict in VERDICTS:
        assert f"{verdict} <strong>" in page
    assert "#c62828" in page and "#2e7d32" in page  # refuted red, holds green
    for text in ("quick", "1234", "2024-01-01T00:00:00Z", "not available", "beta/fact-9"):
        assert text in page


def test_html_proof_graph_one_node_per_claim(page):
    graphs = re.findall(r'<svg class="proof-graph".*?</svg>', page, flags=re.S)
    assert len(graphs) == 2
    alpha, beta = graphs
    nodes = re.findall(r'<a href="#[^"]+" class="node[^"]*" data-claim="([^"]+)"', alpha)
    assert nodes.count("alpha/lemma-1") == 1
    assert sorted(nodes) == sorted(c.id for c in make_report().claims if c.paper == "alpha")
    unsupported = re.findall(r'class="node unsupported" data-claim="([^"]+)"', alpha)
    assert sorted(unsupported) == ["alpha/corollary-1", "alpha/theorem-1"]
    assert alpha.count('class="edge') == 3
    assert alpha.count('class="edge weak"') == 1  # lemma 1 -> theorem 1
    # the cross-paper dependency appears as an outlined external node in beta's graph
    assert 'class="node external"' in beta
    assert re.findall(r'data-claim="([^"]+)"', beta) == [
        "beta/theorem-2",
        "beta/eq-3",
        "beta/fact-1",
    ]
    listing = re.search(r'<div class="loses-support">.*?</div>', page, flags=re.S).group(0)
    assert "Theorem 1" in listing and "Corollary 1" in listing and "Lemma 1 (refuted)" in listing


def test_html_counterexample_as_matrices(page):
    body = re.search(r'id="claim-alpha-lemma-1".*?</details>', page, flags=re.S).group(0)
    assert "open><summary>" in body  # refutations are shown open
    a = re.search(r'<span class="matrix"><table><tbody>(.*?)</tbody>', body).group(1)
    assert a == ("<tr><td>1</td><td>2</td><td>3</td></tr><tr><td>4</td><td>5</td><td>6</td></tr>")
    assert "<td>1e-9</td>" in body and "<td>-1.25</td>" in body and "<td>3</td>" in body
    assert "showing 11 of 30 rows, 11 of 30 columns" in body
    assert "[0, :, :]" in body and "[1, :, :]" in body
    assert '<pre class="cmd"><code>pytest claims/alpha.py -k lemma_1' in body
    assert "exact rational recomputation" in body


def test_html_inline_svg_figures(page):
    figures = re.findall(r'<figure class="plot">(.*?)</figure>', page, flags=re.S)
    assert len(figures) == 2
    assert all(f.lstrip().startswith("<svg") for f in figures)
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "<metadata>" not in page
    assert "mean over 3 seeds" in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]


def test_html_error_traceback_in_pre(page):
    tb = f"Traceback (most recent call last):\nValueError: {html_escaped(EVIL)}"
    assert f'<pre class="traceback">{tb}</pre>' in page


def test_html_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    page = render_html(make_report())
    assert "matplotlib is not installed" in page
    assert 'class="figure"' not in page
    assert '<table class="data">' in page and "<td>8.5</td>" in page


def test_html_figure_that_cannot_be_drawn(monkeypatch):
    def boom(fig, prefix):
        raise ValueError("bad series")

    monkeypatch.setattr(_figures, "figure_svg", boom)
    page = render_html(make_report())
    assert "could not be drawn (ValueError: bad series)" in page
    assert '<div class="fig-title">rank vs depth</div>' in page


def test_figures_leave_matplotlib_state_alone():
    import matplotlib

    def raw_rc():  # reading rcParams["backend"] would resolve (and import pyplot)
        return {k: dict.__getitem__(matplotlib.rcParams, k) for k in matplotlib.rcParams}

    had_pyplot = "matplotlib.pyplot" in sys.modules
    before = raw_rc()
    render_html(make_report())
    assert raw_rc() == before
    assert ("matplotlib.pyplot" in sys.modules) == had_pyplot


# -- writing -------------------------------------------------------------------------------------


def test_out_dir_created(tmp_path):
    out = tmp_path / "a" / "b"
    paths = write_report(make_report(), out)
    assert set(paths) == {"json", "md", "html"}
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    assert all(p.parent == out for p in paths.values())


def test_failed_render_leaves_previous_report(tmp_path, monkeypatch):
    write_report(make_report(), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def boom(report):
        raise RuntimeError("renderer failed")

    changed = make_report()
    changed.profile = "thorough"
    monkeypatch.setattr(writers, "render_html", boom)
    with pytest.raises(RuntimeError, match="renderer failed"):
        write_report(changed, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    write_report(make_report(), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_replace = os.replace

    def replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", replace)
    changed = make_report()
    changed.profile = "thorough"
    with pytest.raises(OSError, match="disk full"):
        write_report(changed, tmp_path)
    monkeypatch.setattr(os, "replace", real_replace)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_empty_report_renders(tmp_path):
    report = Report(profile="quick", seed=0, environment={}, claims=[], generated_at="now")
    paths = write_report(report, tmp_path)
    assert json.loads(paths["json"].read_text())["claims"] == []
    assert "no claims" in paths["html"].read_text()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3, "3"),
        (3.0, "3"),
        (-0.5, "-0.5"),
        (1e-9, "1e-9"),
        (4.2e11, "4.2e11"),
        (1 / 3, "0.333333"),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
        (np.int64(7), "7"),
        (np.float32(2.0), "2"),
        (Fraction(1, 3), "1/3"),
        (True, "true"),
    ],
)
def test_compact_numbers(value, text):
    assert fmt_number(value) == text


def test_metric_column():
    c = ClaimResult(
        id="p/x", paper="p", label="X", kind="inequality", statement="", verdict="holds"
    )
    assert metric_text(c) == "—"
    c.tightness = {"statistic": "d/b", "worst_ratio": 0.87312, "lhs": 1.0, "rhs": 2.0}
    c.min_margin = 4.2e11
    assert metric_text(c) == "LHS/RHS ≤ 0.8731; margin 4.2e11"
    c.tightness, c.min_margin = {"statistic": "slope", "worst": -0.004, "direction": "min"}, None
    assert metric_text(c) == "slope: worst -0.004 (min)"
    c.tightness = None
    c.confidence = {
        "estimate": 0.9962,
        "lower": 0.9931,
        "upper": 0.9981,
        "confidence": 0.999,
        "trials": 20000,
        "bound": 0.95,
    }
    assert metric_text(c) == "p̂ 0.9962, 99.9% CI [0.9931, 0.9981], bound 0.95, n=20000"


def _claim(cid: str, verdict: str = "holds", depends_on=()) -> ClaimResult:
    return ClaimResult(
        id=f"p/{cid}",
        paper="p",
        label=cid,
        kind="rank",
        statement=cid,
        verdict=verdict,
        depends_on=[f"p/{d}" for d in depends_on],
    )


def test_proof_graph_long_edges_and_cycles():
    # c uses a directly and through b: the edge a -> c crosses b's layer through a waypoint
    report = Report(
        "quick", 0, {}, [_claim("a"), _claim("b", "holds", "a"), _claim("c", "holds", "ab")], "t"
    )
    svg = re.search(r'<svg class="proof-graph".*?</svg>', render_html(report), re.S).group(0)
    paths = re.findall(r'<path class="edge" d="([^"]+)"', svg)
    assert len(paths) == 3 and sum(" L" in d for d in paths) == 1
    # a cycle (a mistake in the declarations) is drawn, not an infinite loop
    cyclic = Report("quick", 0, {}, [_claim("x", "refuted", "y"), _claim("y", "holds", "x")], "t")
    writers.support_status(cyclic.claims)
    page = render_html(cyclic)
    assert page.count('data-claim="p/') == 2
