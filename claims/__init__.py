"""Claims: every statement of a paper, declared once, checked by pytest and the report.

One module per paper (``sankar2018``, ...); the framework is in the private modules:
:mod:`._core` (declarations and the :class:`Check` a claim's check receives) and
:mod:`._runner` (the Hypothesis search, certification and the verdict).
"""

from __future__ import annotations

import importlib
import pkgutil

from rankclaims.claims._batched import BatchCheck
from rankclaims.claims._core import (
    CERTIFY_MARGIN,
    Check,
    Claim,
    PremiseUnmet,
    Undecided,
    Violation,
    claim,
    get_claim,
    paper_titles,
    rank_rtol,
    register_paper,
    registry,
)
from rankclaims.claims._runner import PROFILES, decode_inputs, encode_inputs, run_claim

__all__ = [
    "CERTIFY_MARGIN",
    "PROFILES",
    "BatchCheck",
    "Check",
    "Claim",
    "PremiseUnmet",
    "Undecided",
    "Violation",
    "claim",
    "claims_of",
    "decode_inputs",
    "encode_inputs",
    "get_claim",
    "load_papers",
    "paper_modules",
    "paper_titles",
    "rank_rtol",
    "register_paper",
    "registry",
    "run_claim",
]


def paper_modules() -> list[str]:
    """Names of the paper modules shipped in this package (every public module)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load_papers(keys: list[str] | None = None) -> None:
    """Import the paper modules (all, or those whose module name is in ``keys``)."""
    for name in paper_modules():
        if keys is None or name in keys:
            importlib.import_module(f"{__name__}.{name}")


def claims_of(papers: list[str] | None = None) -> list[Claim]:
    """The declared claims, in declaration order, of the given papers (default: all)."""
    load_papers(papers)
    return [c for c in registry().values() if papers is None or c.paper in papers]
