"""Figures of empirical claims drawn as inline SVG with matplotlib.

matplotlib is imported lazily and never through ``pyplot``: a :class:`matplotlib.figure.Figure`
is drawn by the SVG backend directly, so neither the user's backend (``matplotlib.use``)
nor pyplot's figure manager is touched. rcParams are changed only inside
:func:`matplotlib.rc_context`, which restores them.

The SVG is deterministic: no date in the metadata, a fixed hash salt for the ids matplotlib
generates, and every id prefixed by a caller-given, page-unique prefix so that several
figures can live in one HTML document.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from typing import Any

from .model import Figure

#: A colour-blind-friendly cycle (Okabe-Ito).
COLORS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")

_RC = {
    "svg.fonttype": "none",  # text as <text>, drawn in the page's fonts
    "font.family": "sans-serif",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "path.simplify": False,
}


def available() -> bool:
    """Whether matplotlib can be imported."""
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        return False
    return True


def _floats(values: Any) -> list[float]:
    out = []
    for v in values or []:
        if v is None:
            out.append(math.nan)
            continue
        try:
            out.append(float(v))  # "nan"/"inf" strings (a read-back report) included
        except (TypeError, ValueError):
            out.append(math.nan)
    return out


def figure_svg(fig: Figure, id_prefix: str) -> str:
    """``fig`` as an ``<svg>`` element (no XML prologue, no metadata) whose ids all start
    with ``id_prefix``. Raises ImportError without matplotlib."""
    import matplotlib
    from matplotlib.figure import Figure as MplFigure

    with matplotlib.rc_context({**_RC, "svg.hashsalt": id_prefix}), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. non-positive values on a log axis
        mfig = MplFigure(figsize=(6.4, 3.6), layout="constrained")
        ax = mfig.add_subplot()
        for i, s in enumerate(fig.series):
            x, y = _floats(s.get("x")), _floats(s.get("y"))
            n = min(len(x), len(y))
            color = COLORS[i % len(COLORS)]
            label = str(s.get("label", "")) or None
            if fig.kind == "scatter":
                ax.scatter(x[:n], y[:n], s=14, color=color, label=label, alpha=0.85)
            else:
                ax.plot(
                    x[:n], y[:n], color=color, label=label, linewidth=1.6, marker="o", markersize=3
                )
        if fig.logx:
            ax.set_xscale("log")
        if fig.logy:
            ax.set_yscale("log")
        ax.set_title(fig.title)
        ax.set_xlabel(fig.xlabel)
        ax.set_ylabel(fig.ylabel)
        if any(s.get("label") for s in fig.series):
            ax.legend(loc="best")
        buf = io.StringIO()
        mfig.savefig(buf, format="svg", metadata={"Date": None})
    return _clean_svg(buf.getvalue(), id_prefix)


_ID = re.compile(r'\bid="([^"]+)"')


def _clean_svg(svg: str, prefix: str) -> str:
    start = svg.find("<svg")
    svg = svg[start:]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    # matplotlib's `*{stroke-linejoin: round}` would apply to the whole page once inlined
    svg = re.sub(r'\s*<style type="text/css">[^<]*</style>', "", svg)
    svg = re.sub(r"\s*<defs>\s*</defs>", "", svg)
    ids = set(_ID.findall(svg))

    def rename(m: re.Match[str]) -> str:
        return f"{m.group(1)}#{prefix}-{m.group(2)}{m.group(3)}"

    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    if ids:
        alternatives = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        svg = re.sub(rf'(href="|url\()#({alternatives})(["\)])', rename, svg)
    # scale with the page; keep the aspect ratio through the viewBox
    svg = re.sub(
        r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="figure"', svg, count=1
    )
    svg = svg.replace("<svg", '<svg role="img"', 1)
    return svg.strip()
