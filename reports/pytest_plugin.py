"""The pytest plugin: ``pytest claims`` collects every declared claim as a test.

Registered through the ``pytest11`` entry point, so it is active wherever rankclaims is
installed; it only collects Python files inside a directory named ``claims`` (not starting
with ``_``, ``test_`` or ``conftest``) and only adds options otherwise.

Options: ``--claims-profile quick|default|thorough`` (Hypothesis examples per claim),
``--claims-seed N``, ``--claims-report DIR`` (write ``report.json``, ``report.md``,
``report.html`` at the end of the session; under pytest-xdist the workers ship each claim's
result to the controller, which writes one merged report).

Outcomes: a claim whose verdict is the one declared (``expect``) passes; a known refutation
is a strict xfail (it must still be refuted, by a certified counterexample, and every
recorded counterexample must still refute it); anything else fails with the evidence.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from rankclaims.claims._core import Claim
from rankclaims.claims._runner import PROFILES, run_claim
from rankclaims.reports.model import ClaimResult

_RESULT_KEY = pytest.StashKey[ClaimResult]()
_PROPERTY = "rankclaims_result"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rankclaims", "rankclaims: paper claims as tests")
    group.addoption(
        "--claims-profile",
        choices=sorted(PROFILES),
        default=None,
        metavar="PROFILE",
        help="Hypothesis budget per claim: quick (CI), default, thorough (long searches). "
        "Default: $RANKCLAIMS_PROFILE, else the claims_profile ini value (quick).",
    )
    group.addoption(
        "--claims-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed of every claim's search (default: $RANKCLAIMS_SEED, else 0).",
    )
    group.addoption(
        "--claims-report",
        default=None,
        metavar="DIR",
        help="write report.json, report.md and report.html of the claims run to DIR "
        "(default: no report).",
    )
    parser.addini("claims_profile", "default claims profile", default="quick")


def _profile(config: pytest.Config) -> str:
    p = config.getoption("--claims-profile") or os.environ.get("RANKCLAIMS_PROFILE")
    p = p or config.getini("claims_profile") or "quick"
    if p not in PROFILES:
        raise pytest.UsageError(f"unknown claims profile {p!r}; choose one of {sorted(PROFILES)}")
    return p


def _seed(config: pytest.Config) -> int:
    s = config.getoption("--claims-seed")
    if s is None:
        s = int(os.environ.get("RANKCLAIMS_SEED", "0"))
    return int(s)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "claim: a paper's claim collected by rankclaims (select with -m claim)"
    )
    if config.getoption("--claims-report") and not _is_worker(config):
        config.pluginmanager.register(_ReportSession(config), "rankclaims-report-session")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if (
        file_path.suffix == ".py"
        and file_path.parent.name == "claims"
        and not file_path.name.startswith(("_", "test_", "conftest"))
    ):
        return ClaimModule.from_parent(parent, path=file_path)
    return None


def _import_claims_module(path: Path) -> Any:
    import rankclaims.claims as pkg

    pkg_dir = Path(pkg.__file__).resolve().parent
    if path.resolve().parent == pkg_dir:
        return importlib.import_module(f"rankclaims.claims.{path.stem}")
    name = f"_rankclaims_user_claims.{path.stem}_{abs(hash(str(path.resolve()))):x}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import claims module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class ClaimModule(pytest.File):
    """A paper module: one item per claim declared in it, in declaration order."""

    def collect(self):  # type: ignore[override]
        module = _import_claims_module(self.path)
        seen = set()
        for obj in list(vars(module).values()):
            if isinstance(obj, Claim) and obj.id not in seen:
                seen.add(obj.id)
                item = ClaimItem.from_parent(self, name=obj.name, claim=obj, order=len(seen))
                yield item


class ClaimFailure(Exception):
    """A claim whose verdict differs from the declared one (shown without a traceback)."""


class ClaimItem(pytest.Item):
    def __init__(self, *, claim: Claim, order: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.claim = claim
        self.order = order
        self.add_marker("claim")
        self.extra_keyword_matches.update({claim.paper, claim.kind})

    def runtest(self) -> None:
        c = self.claim
        result = run_claim(c, profile=_profile(self.config), seed=_seed(self.config))
        self.stash[_RESULT_KEY] = result
        if result.verdict == "skipped":
            pytest.skip("; ".join(result.notes) or "skipped")
        if result.verdict == "error":
            raise ClaimFailure(f"{c.label} raised:\n{result.error}")
        regressions = [n for n in result.notes if n.startswith("REGRESSION")]
        if regressions:
            raise ClaimFailure(f"{c.label}: " + "; ".join(regressions))
        if c.expect == "refuted":
            if result.verdict == "refuted":
                pytest.xfail(
                    f"{c.label} is false as written (certified: {result.certificate}); "
                    f"counterexample {json.dumps(result.counterexample)}"
                )
            raise ClaimFailure(
                f"[XPASS(strict)] {c.label} was recorded as refuted but this run says "
                f"{result.verdict!r}:\n{_summary(result)}"
            )
        if c.expect in ("inconclusive", "vacuous"):
            if result.verdict == c.expect:
                pytest.xfail(f"{c.label} is known to be {c.expect}: " + "; ".join(result.notes[:3]))
            raise ClaimFailure(
                f"[XPASS(strict)] {c.label} was recorded as {c.expect} but this run says "
                f"{result.verdict!r}:\n{_summary(result)}"
            )
        if result.verdict != "holds":
            raise ClaimFailure(
                f"{c.label} was expected to hold; verdict {result.verdict!r}:\n{_summary(result)}"
            )

    def repr_failure(self, excinfo, style=None):  # type: ignore[override]
        if isinstance(excinfo.value, ClaimFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):  # type: ignore[override]
        return self.path, None, f"{self.claim.paper} {self.claim.label}"


def _summary(r: ClaimResult) -> str:
    lines = [
        f"  statement: {r.statement}",
        f"  examples {r.examples}, premise met {r.premise_met}, decided {r.decided}, "
        f"undecided {r.undecided}",
    ]
    if r.counterexample is not None:
        lines.append(f"  counterexample: {json.dumps(r.counterexample)}")
        lines.append(f"  certificate: {r.certificate}")
    lines += [f"  note: {n}" for n in r.notes]
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    rep = outcome.get_result()
    if isinstance(item, ClaimItem) and rep.when == "call":
        result = item.stash.get(_RESULT_KEY, None)
        if result is not None:
            from rankclaims.claims import paper_titles

            payload = {
                "order": item.order,
                "paper_title": paper_titles().get(result.paper, result.paper),
                "result": result.to_json(),
            }
            rep.user_properties.append((_PROPERTY, json.dumps(payload)))


class _ReportSession:
    """Collects claim results on the controller (also from xdist workers) and writes the
    merged report at the end of the session."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: dict[str, tuple[int, ClaimResult]] = {}
        self.titles: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == _PROPERTY:
                payload = json.loads(value)
                r = ClaimResult.from_json(payload["result"])
                self.titles[r.paper] = payload["paper_title"]
                self.results[r.id] = (payload["order"], r)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.results:
            return
        from datetime import datetime, timezone

        from rankclaims.reports.cli import environment
        from rankclaims.reports.model import Report
        from rankclaims.reports.writers import write_report

        claims = [r for _, r in sorted(self.results.values(), key=lambda p: (p[1].paper, p[0]))]
        report = Report(
            profile=_profile(self.config),
            seed=_seed(self.config),
            environment=environment(),
            claims=claims,
            generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            papers={c.paper: self.titles.get(c.paper, c.paper) for c in claims},
        )
        out = Path(self.config.getoption("--claims-report"))
        from rankclaims.reports.run import fill_reproduce

        fill_reproduce(report, out)
        paths = write_report(report, out)
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write_line(f"rankclaims report: {paths['html']}")
