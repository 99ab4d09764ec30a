"""The pytest plugin: ``pytest claims`` collects every declared claim as a test.

Registered through the ``pytest11`` entry point, so it is active wherever rankclaims is
installed; it only collects Python files inside a directory named ``claims`` (not starting
with ``_``, ``test_`` or ``conftest``) and only adds options otherwise.

Options: ``--claims-profile quick|default|thorough`` (Hypothesis examples per claim),
``--claims-seed N``, ``--claims-budget SECONDS`` (every claim's time budget; 0: none),
``--claims-device cpu|cuda`` (where the kernels and batched generators run; cuda without a
CUDA device is a usage error, never a silent CPU run),
``--claims-report DIR`` (write ``report.json``, ``report.md``, ``report.html`` at the end of
the session; under pytest-xdist the workers ship each claim's result to the controller, which
writes one merged report).

Faults: a claim that raises, or exceeds its time budget, is an ``error`` result and the
session goes on. A pytest-xdist worker that dies while running a claim (xdist reports the item
as crashed) gives that claim an ``error`` result saying so. A session that is interrupted
(Ctrl-C), or that ends with collected claims that have no result (``-x``, xdist out of
workers), writes a *partial* report to ``DIR/partial/`` whose ``not_run`` lists those claims,
and leaves ``DIR``'s last complete report as it was.

Outcomes: a claim whose verdict is the one declared (``expect``) passes; a known refutation
is a strict xfail (it must still be refuted, by a certified counterexample, and every
recorded counterexample must still refute it); anything else fails with the evidence.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from rankclaims.claims._core import Claim
from rankclaims.claims._runner import PROFILES, budget_for, run_claim
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
        "--claims-budget",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="time budget of every claim: a search past it is stopped and fails as an error "
        "(0: none; default: the claim's own, else its profile's).",
    )
    group.addoption(
        "--claims-device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="where the kernels and the batched generators run (default: cpu); cuda without "
        "a CUDA device is a usage error.",
    )
    group.addoption(
        "--claims-report",
        default=None,
        metavar="DIR",
        help="write report.json, report.md and report.html of the claims run to DIR "
        "(default: no report).",
    )
    parser.addini("claims_profile", "default claims profile", default="quick")


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise ValueError(f"{text!r}: a budget is 0 (none) or positive seconds")
    return value


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


def _budget(config: pytest.Config) -> float | None:
    """``--claims-budget`` (None when not given: each claim's own or its profile's)."""
    return config.getoption("--claims-budget")


def _device(config: pytest.Config) -> str:
    return config.getoption("--claims-device") or "cpu"


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "claim: a paper's claim collected by rankclaims (select with -m claim)"
    )
    if _device(config) != "cpu":
        from rankclaims.reports.run import check_device

        try:
            check_device(_device(config))
        except ValueError as exc:
            raise pytest.UsageError(f"--claims-device: {exc}") from None
    if config.getoption("--claims-report") and not _is_worker(config):
        config.pluginmanager.register(_ReportSession(config), "rankclaims-report-session")
    if _is_worker(config):
        _share_cores(int(config.workerinput.get("workercount", 1)))


def _share_cores(workers: int) -> None:
    """A pytest-xdist worker takes its share of the cores for PyTorch's threads and the
    kernels' SVD threads: N workers each using every core oversubscribe them (the parallel
    run was slower than the sequential one on 2 cores). ``$RANKCLAIMS_THREADS`` set by the
    user wins."""
    from rankclaims.reports.run import resolve_jobs

    threads = os.environ.get("RANKCLAIMS_THREADS") or str(max(1, resolve_jobs(0) // workers))
    os.environ["RANKCLAIMS_THREADS"] = threads
    import torch

    torch.set_num_threads(int(threads))


def _is_claims_file(file_path: Path) -> bool:
    return (
        file_path.suffix == ".py"
        and file_path.parent.name == "claims"
        and not file_path.name.startswith(("_", "test_", "conftest"))
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _is_claims_file(file_path):
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


def _claims_in(module: Any) -> list[Claim]:
    """The claims a paper module declares, in declaration order (each once)."""
    out: dict[str, Claim] = {}
    for obj in list(vars(module).values()):
        if isinstance(obj, Claim) and obj.id not in out:
            out[obj.id] = obj
    return list(out.values())


class ClaimModule(pytest.File):
    """A paper module: one item per claim declared in it, in declaration order."""

    def collect(self):  # type: ignore[override]
        module = _import_claims_module(self.path)
        for order, c in enumerate(_claims_in(module), 1):
            yield ClaimItem.from_parent(self, name=c.name, claim=c, order=order)


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
        result = run_claim(
            c,
            profile=_profile(self.config),
            seed=_seed(self.config),
            budget_s=_budget(self.config),
            device=_device(self.config),
        )
        self.stash[_RESULT_KEY] = result
        if result.verdict == "skipped":
            pytest.skip("; ".join(result.notes) or "skipped")
        if result.verdict == "error":
            if result.error and result.error.startswith("time budget"):
                raise ClaimFailure(f"{c.label}: {result.error}\n{_summary(result)}")
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
    merged report at the end of the session: the complete one to ``DIR``, or, when the
    session was interrupted or collected claims have no result, a partial one to
    ``DIR/partial/`` (``not_run`` lists those claims)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: dict[str, tuple[int, ClaimResult]] = {}
        self.titles: dict[str, str] = {}
        #: node id -> (claim, order in its module) of every claim collected, in order;
        #: under xdist the controller resolves the ids its workers collected
        self.collected: dict[str, tuple[Claim, int]] = {}
        self.interrupted = False
        self._modules: dict[Path, list[Claim] | None] = {}

    # -- what was collected ---------------------------------------------------------------
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            if isinstance(item, ClaimItem):
                self.collected.setdefault(item.nodeid, (item.claim, item.order))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        for nodeid in ids:
            if nodeid not in self.collected:
                found = self._resolve(nodeid)
                if found is not None:
                    self.collected[nodeid] = found

    def _resolve(self, nodeid: str) -> tuple[Claim, int] | None:
        """The claim (and its order) a worker's node id names, imported on the controller;
        None for anything that is not a claim."""
        file_part, sep, name = nodeid.partition("::")
        if not sep or "::" in name:
            return None
        path = (self.config.rootpath / file_part).resolve()
        if not _is_claims_file(path):
            return None
        if path not in self._modules:
            try:
                self._modules[path] = _claims_in(_import_claims_module(path))
            except Exception:
                self._modules[path] = None
        for order, c in enumerate(self._modules[path] or [], 1):
            if c.name == name:
                return c, order
        return None

    # -- results --------------------------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == _PROPERTY:
                payload = json.loads(value)
                r = ClaimResult.from_json(payload["result"])
                self.titles[r.paper] = payload["paper_title"]
                self.results[r.id] = (payload["order"], r)

    @pytest.hookimpl(optionalhook=True)
    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport, sched: Any) -> None:
        """An xdist worker died while running ``crashitem``: the claim is an error."""
        found = self.collected.get(crashitem) or self._resolve(crashitem)
        if found is None:
            return
        c, order = found
        if c.id in self.results:  # it had finished; the worker died after it
            return
        why = report.longrepr if isinstance(report.longrepr, str) else "the worker crashed"
        budget = _budget(self.config)
        profile = _profile(self.config)
        message = (
            f"the pytest-xdist worker running this claim died ({why}); the claim was not run "
            "further and its search left no statistics"
        )
        r = ClaimResult(
            id=c.id,
            paper=c.paper,
            label=c.label,
            kind=c.kind,
            statement=c.statement,
            verdict="error",
            hypotheses=list(c.hypotheses),
            depends_on=list(c.depends_on),
            expected=c.expect,
            evidence=c.evidence,
            tolerance=c.tolerance,
            budget_s=budget_for(c, profile)
            if budget is None
            else (budget if 0 < budget < math.inf else None),
            device=_device(self.config),
            notes=[message],
            error=message,
        )
        from rankclaims.claims import paper_titles

        self.titles.setdefault(c.paper, paper_titles().get(c.paper, c.paper))
        self.results[c.id] = (order, r)

    # -- the end --------------------------------------------------------------------------
    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        self.interrupted = True

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        interrupted = self.interrupted or exitstatus == pytest.ExitCode.INTERRUPTED
        ids = dict.fromkeys(c.id for c, _ in self.collected.values())
        not_run = [cid for cid in ids if cid not in self.results]
        if not self.results and not not_run:
            return
        from datetime import datetime, timezone

        from rankclaims.reports.cli import environment
        from rankclaims.reports.model import Report
        from rankclaims.reports.run import publish

        claims = [r for _, r in sorted(self.results.values(), key=lambda p: (p[1].paper, p[0]))]
        report = Report(
            profile=_profile(self.config),
            seed=_seed(self.config),
            environment=environment(),
            claims=claims,
            generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            papers={c.paper: self.titles.get(c.paper, c.paper) for c in claims},
            not_run=not_run,
        )
        partial = interrupted or bool(not_run)
        paths = publish(report, Path(self.config.getoption("--claims-report")), partial=partial)
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            if partial:
                what = f"{len(not_run)} claims did not run" + (
                    f": {', '.join(not_run)}" if not_run else ""
                )
                tr.write_line(
                    f"rankclaims partial report ({what}; the last complete report is "
                    f"intact): {paths['html']}"
                )
            else:
                tr.write_line(f"rankclaims report: {paths['html']}")
