"""Fault tolerance (issue 7, part 4): a claim that raises is ``error`` with its traceback and
the run goes on; a claim past its time budget is stopped (between examples, or by SIGALRM
in the middle of one) and is ``error`` with the reason; an interrupted run (Ctrl-C, in-process
and in a subprocess; a pytest session) leaves the last complete report byte-identical and
writes a partial report listing the claims that did not run; a pytest-xdist worker killed
while it runs a claim makes that claim an ``error`` and the others keep their results.

Toy claims are declared under the paper ``toyfault``; an autouse fixture removes them from the
global registry after each test.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from hypothesis import strategies as st

from rankclaims.claims import _core, claim, register_paper, run_claim
from rankclaims.claims._runner import BUDGETS, budget_for
from rankclaims.reports.cli import main
from rankclaims.reports.model import ClaimResult, Report
from rankclaims.reports.run import RunInterrupted, run_report
from rankclaims.reports.writers import write_report

pytest_plugins = ["pytester"]

PAPER = register_paper("toyfault", "F. Fault. Claims that go wrong, on purpose. 2024.")
FEW = {"quick": 5, "default": 5, "thorough": 5}
X = st.fixed_dictionaries({"x": st.integers(0, 100)})


@pytest.fixture(autouse=True)
def _forget_toy_claims():
    yield
    for cid in [cid for cid in _core._REGISTRY if cid.startswith(f"{PAPER}/")]:
        del _core._REGISTRY[cid]


def toy(label: str, *, examples=FEW, **kwargs):
    return claim(
        PAPER,
        label,
        statement=f"toy {label}",
        kind="identity",
        given=X,
        examples=examples,
        **kwargs,
    )


def holds(label: str):
    @toy(label)
    def check(c, x):
        c.holds(x + 0 == x, "x + 0 = x", certain=True)

    return check


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def previous_report(out: Path) -> dict[str, bytes]:
    """A complete report already in ``out``; returns its files' bytes."""
    report = Report(
        profile="quick",
        seed=0,
        environment={"rankclaims": "old"},
        claims=[
            ClaimResult(
                id="toyfault/old",
                paper=PAPER,
                label="Old",
                kind="rank",
                statement="s",
                verdict="holds",
            )
        ],
        generated_at="2024-01-01T00:00:00+00:00",
    )
    write_report(report, out)
    return {p.name: p.read_bytes() for p in sorted(out.glob("report.*"))}


def files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("report.*"))}


# -- a claim that raises -----------------------------------------------------------------------


def test_raising_claim_is_an_error_with_its_traceback_and_the_run_goes_on(tmp_path, capsys):
    first = holds("First")

    @toy("Divides")
    def divides(c, x):
        c.holds(1 / (x - x) > 0, "never reached")

    last = holds("Last")
    ids = [first.id, divides.id, last.id]
    argv = ["report", "--paper", PAPER, "--out", str(tmp_path)]
    assert main([*argv, *(a for cid in ids for a in ("--claim", cid))]) == 1  # an error: 1
    err = capsys.readouterr().err
    assert "Divides: error" in err and "ZeroDivisionError: division by zero" in err
    data = read(tmp_path / "report.json")
    by_id = {c["id"]: c for c in data["claims"]}
    assert list(by_id) == ids and data["not_run"] == []
    assert by_id[divides.id]["verdict"] == "error"
    assert by_id[divides.id]["error"].startswith("Traceback (most recent call last)")
    assert "ZeroDivisionError: division by zero" in by_id[divides.id]["error"]
    assert by_id[divides.id]["examples"] >= 1
    assert by_id[first.id]["verdict"] == by_id[last.id]["verdict"] == "holds"
    assert "ZeroDivisionError" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "ZeroDivisionError" in (tmp_path / "report.html").read_text(encoding="utf-8")


# -- time budget -------------------------------------------------------------------------------


def sleepy(label: str, seconds: float, **kwargs):
    @toy(label, examples={"quick": 10_000}, **kwargs)
    def check(c, x):
        time.sleep(seconds)
        c.holds(True, "fine", certain=True)

    return check


def test_budget_stops_the_search_between_examples():
    slow = sleepy("Slow", 0.01)
    out: dict[str, ClaimResult] = {}
    # off the main thread there is no SIGALRM: only the cooperative stop between examples
    worker = threading.Thread(target=lambda: out.update(r=run_claim(slow, budget_s=1)))
    t0 = time.perf_counter()
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    r = out["r"]
    assert time.perf_counter() - t0 < 10
    assert r.verdict == "error" and r.budget_s == 1
    n = r.examples
    assert 0 < n < 10_000
    assert r.error == f"time budget of 1 s exceeded after {n} examples (the search was stopped)"
    assert r.notes[0] == r.error
    # the statistics of the examples that ran are kept
    assert r.premise_met == r.decided == n and r.premise_rate == 1.0


def test_budget_interrupts_an_example_that_runs_long():
    hang = sleepy("Hang", 60)
    seen = []

    def someone_elses(signum, frame):
        seen.append(signum)

    previous = signal.signal(signal.SIGALRM, someone_elses)
    signal.setitimer(signal.ITIMER_REAL, 100)  # someone else's timer, later than the budget
    try:
        t0 = time.perf_counter()
        r = run_claim(hang, budget_s=0.5)
        elapsed = time.perf_counter() - t0
        # their handler and their timer are back (less the time spent), untouched
        assert signal.getsignal(signal.SIGALRM) is someone_elses
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 90 < left <= 100 - elapsed + 0.01
        assert not seen
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert elapsed < 10
    assert r.verdict == "error" and r.budget_s == 0.5
    assert r.error == (
        "time budget of 0.5 s exceeded after 1 examples "
        "(the search was interrupted: an example ran past the budget)"
    )
    assert r.examples == 1 and r.decided == 0


def test_budget_defaults_own_budget_and_override():
    plain = holds("Plain")
    own = sleepy("Own", 0.01, budget=0.2)
    per_profile = sleepy("Per profile", 0.01, budget={"default": 0.2})
    assert {p: budget_for(plain, p) for p in BUDGETS} == BUDGETS
    assert BUDGETS["quick"] < BUDGETS["default"] < BUDGETS["thorough"]
    assert budget_for(own, "thorough") == 0.2
    assert budget_for(per_profile, "default") == 0.2
    assert budget_for(per_profile, "quick") == BUDGETS["quick"]
    assert own.budget == 0.2 and per_profile.budget == {"default": 0.2}
    r = run_claim(plain)
    assert r.verdict == "holds" and r.budget_s == BUDGETS["quick"]
    r = run_claim(own)  # the claim's own budget
    assert r.verdict == "error" and r.budget_s == 0.2 and "time budget of 0.2 s" in r.error
    r = run_claim(plain, budget_s=0)  # 0: no budget
    assert r.verdict == "holds" and r.budget_s is None
    for bad in (0, -1, "10", True, float("inf"), {"quick": 0}):
        with pytest.raises(ValueError, match="budget"):
            toy(f"Bad budget {bad!r}", budget=bad)


def test_budget_options_of_the_commands(tmp_path, capsys):
    slow = sleepy("Slow command", 0.01)
    assert main(["check", slow.id, "--budget", "0.3"]) == 1
    out = capsys.readouterr().out
    assert f"{slow.id} (Slow command): error" in out and "time budget of 0.3 s exceeded" in out
    ok = holds("Fine command")
    argv = ["report", "--claim", slow.id, "--claim", ok.id, "--budget", "0.3"]
    assert main([*argv, "--out", str(tmp_path)]) == 1
    assert "time budget of 0.3 s exceeded after" in capsys.readouterr().err
    by_id = {c["id"]: c for c in read(tmp_path / "report.json")["claims"]}
    assert by_id[slow.id]["verdict"] == "error" and by_id[slow.id]["budget_s"] == 0.3
    assert by_id[ok.id]["verdict"] == "holds" and by_id[ok.id]["budget_s"] == 0.3
    for bad in ("-1", "soon"):
        with pytest.raises(SystemExit) as exc:
            main(["check", ok.id, "--budget", bad])
        assert exc.value.code == 2
    assert "--budget" in capsys.readouterr().err


# -- Ctrl-C ------------------------------------------------------------------------------------


def test_ctrl_c_keeps_the_last_report_and_writes_a_partial_one(tmp_path, capsys):
    before = previous_report(tmp_path)
    first = holds("Before Ctrl-C")

    @toy("Ctrl-C")
    def interrupted(c, x):
        raise KeyboardInterrupt

    after = holds("After Ctrl-C")
    ids = [first.id, interrupted.id, after.id]
    argv = [a for cid in ids for a in ("--claim", cid)]
    assert main(["report", *argv, "--out", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    assert f"interrupted: 2 of 3 claims did not run: {interrupted.id}, {after.id}" in err
    assert f"partial report: {tmp_path / 'partial' / 'report.json'}" in err
    assert files(tmp_path) == before  # byte-identical
    partial = tmp_path / "partial"
    data = read(partial / "report.json")
    assert [c["id"] for c in data["claims"]] == [first.id]
    assert data["not_run"] == [interrupted.id, after.id]
    md = (partial / "report.md").read_text(encoding="utf-8")
    html = (partial / "report.html").read_text(encoding="utf-8")
    assert md.startswith("# rankclaims report (partial)")
    assert "2 claims did not run" in md and f"`{interrupted.id}`" in md
    assert "rankclaims report (partial)</h1>" in html and f"<code>{after.id}</code>" in html

    # run_report itself raises a KeyboardInterrupt that carries the partial report
    with pytest.raises(RunInterrupted) as exc:
        run_report(claim_ids=ids, stream=io.StringIO())
    assert isinstance(exc.value, KeyboardInterrupt) and exc.value.paths is None
    assert exc.value.report.not_run == [interrupted.id, after.id]

    # a complete run replaces the report and removes the stale partial one
    assert main(["report", "--claim", first.id, "--claim", after.id, "--out", str(tmp_path)]) == 0
    assert [c["id"] for c in read(tmp_path / "report.json")["claims"]] == [first.id, after.id]
    assert not partial.exists()


SIGINT_SCRIPT = """
import os, signal, sys, time
from hypothesis import strategies as st
from rankclaims.claims import claim, register_paper
from rankclaims.reports.cli import main

P = register_paper("toysigint", "S. Signal. 2024.")
X = st.fixed_dictionaries({"x": st.integers(0, 9)})
N = {"quick": 3}

@claim(P, "Lemma 1", statement="s", kind="identity", given=X, examples=N)
def lemma_1(c, x):
    c.holds(True, "fine", certain=True)

@claim(P, "Lemma 2", statement="s", kind="identity", given=X, examples=N)
def lemma_2(c, x):
    # a shell that starts jobs in the background ignores SIGINT in them (and Python then
    # installs no KeyboardInterrupt handler): restore Ctrl-C's usual meaning first
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, delivered while the claim runs
    time.sleep(30)

@claim(P, "Lemma 3", statement="s", kind="identity", given=X, examples=N)
def lemma_3(c, x):
    c.holds(True, "fine", certain=True)

sys.exit(main(["report", "--paper", P, "--out", sys.argv[1]]))
"""


def test_sigint_in_a_subprocess(tmp_path):
    out = tmp_path / "out"
    before = previous_report(out)
    script = tmp_path / "run_sigint.py"
    script.write_text(SIGINT_SCRIPT, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 130, proc.stderr
    assert "[1/3] toysigint Lemma 1: holds" in proc.stderr
    assert "claims did not run: toysigint/lemma-2, toysigint/lemma-3" in proc.stderr
    assert "the last complete report in" in proc.stderr
    assert files(out) == before
    data = read(out / "partial" / "report.json")
    assert [c["id"] for c in data["claims"]] == ["toysigint/lemma-1"]
    assert data["not_run"] == ["toysigint/lemma-2", "toysigint/lemma-3"]


# -- pytest: interrupted sessions and killed xdist workers ---------------------------------------

FAULTS = """
import os, signal, time
from hypothesis import strategies as st
from rankclaims.claims import claim, register_paper

P = register_paper("toyworker", "W. Worker. Claims that kill their worker. 2024.")
X = st.fixed_dictionaries({"x": st.integers(0, 9)})
N = {"quick": 3, "default": 3, "thorough": 3}

@claim(P, "Lemma 1", statement="s", kind="identity", given=X, examples=N)
def lemma_1(c, x):
    c.holds(True, "fine", certain=True)

@claim(P, "Lemma 2", statement="s", kind="identity", given=X, examples=N)
def lemma_2(c, x):
    c.holds(1 / (x - x) > 0, "never reached")

@claim(P, "Lemma 3", statement="s", kind="identity", given=X, examples=N)
def lemma_3(c, x):
    if signal.SIG == signal.SIGINT:  # ignored in background jobs: restore Ctrl-C
        signal.signal(signal.SIGINT, signal.default_int_handler)
    os.kill(os.getpid(), signal.SIG)

@claim(P, "Lemma 4", statement="s", kind="identity", given=X, examples=N)
def lemma_4(c, x):
    time.sleep(60)

@claim(P, "Lemma 5", statement="s", kind="identity", given=X, examples=N)
def lemma_5(c, x):
    c.holds(True, "fine", certain=True)
"""

IDS = [f"toyworker/lemma-{i}" for i in range(1, 6)]


@pytest.fixture
def faults(pytester: pytest.Pytester, monkeypatch):
    for var in ("RANKCLAIMS_PROFILE", "RANKCLAIMS_SEED", "PYTEST_XDIST_WORKER"):
        monkeypatch.delenv(var, raising=False)
    pytester.makeini("[pytest]\n")

    def project(sig: str) -> pytest.Pytester:
        claims = pytester.path / "claims"
        claims.mkdir(exist_ok=True)
        text = textwrap.dedent(FAULTS).replace("signal.SIG)", f"signal.{sig})")
        text = text.replace("signal.SIG ==", f"signal.{sig} ==")
        (claims / "faults.py").write_text(text, encoding="utf-8")
        return pytester

    return project


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "--claims-budget", "1", *args)


def test_killed_xdist_worker_is_an_error_and_the_others_keep_their_results(faults):
    pytester = faults("SIGKILL")
    result = run(pytester, "-n", "2", "--claims-report", "out")
    result.assert_outcomes(passed=2, failed=3)
    out = result.stdout.str()
    assert "crashed while running 'claims/faults.py::lemma-3'" in out
    assert "rankclaims report: out/report.html" in out
    data = read(pytester.path / "out" / "report.json")
    by_id = {c["id"]: c for c in data["claims"]}
    assert list(by_id) == IDS and data["not_run"] == []
    verdicts = {cid: c["verdict"] for cid, c in by_id.items()}
    assert verdicts == dict(zip(IDS, ["holds", "error", "error", "error", "holds"], strict=True))
    assert "ZeroDivisionError" in by_id["toyworker/lemma-2"]["error"]
    died = by_id["toyworker/lemma-3"]["error"]
    assert died.startswith("the pytest-xdist worker running this claim died")
    assert "crashed while running" in died and "not run further" in died
    # the budget works in a worker too (SIGALRM in its main thread)
    assert by_id["toyworker/lemma-4"]["error"] == (
        "time budget of 1 s exceeded after 1 examples "
        "(the search was interrupted: an example ran past the budget)"
    )
    assert not (pytester.path / "out" / "partial").exists()


def test_xdist_out_of_workers_writes_a_partial_report(faults):
    pytester = faults("SIGKILL")
    before = previous_report(pytester.path / "out")
    result = run(pytester, "-n", "1", "--max-worker-restart", "0", "--claims-report", "out")
    assert result.ret != 0
    assert files(pytester.path / "out") == before
    data = read(pytester.path / "out" / "partial" / "report.json")
    by_id = {c["id"]: c for c in data["claims"]}
    assert by_id["toyworker/lemma-3"]["verdict"] == "error"
    assert "worker running this claim died" in by_id["toyworker/lemma-3"]["error"]
    # lemmas 1 and 2 ran before the crash, 4 and 5 never ran
    assert {cid: c["verdict"] for cid, c in by_id.items() if cid != "toyworker/lemma-3"} == {
        "toyworker/lemma-1": "holds",
        "toyworker/lemma-2": "error",
    }
    assert data["not_run"] == ["toyworker/lemma-4", "toyworker/lemma-5"]
    result.stdout.fnmatch_lines(["*rankclaims partial report (2 claims did not run: *"])


def test_interrupted_pytest_session_writes_a_partial_report(faults):
    pytester = faults("SIGINT")  # lemma 3 is Ctrl-C
    before = previous_report(pytester.path / "out")
    result = run(pytester, "--claims-report", "out")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert files(pytester.path / "out") == before
    data = read(pytester.path / "out" / "partial" / "report.json")
    assert [c["id"] for c in data["claims"]] == IDS[:2]
    assert data["not_run"] == IDS[2:]
    result.stdout.fnmatch_lines(["*rankclaims partial report (3 claims did not run: *"])
    # a complete session supersedes the partial report
    result = run(pytester, "--claims-report", "out", "-k", "lemma-1 or lemma-5")
    result.assert_outcomes(passed=2, deselected=3)
    assert [c["id"] for c in read(pytester.path / "out" / "report.json")["claims"]] == [
        IDS[0],
        IDS[4],
    ]
    assert not (pytester.path / "out" / "partial").exists()


def test_report_refuses_an_unknown_claim_id(tmp_path, capsys):
    ok = holds("Known")
    argv = ["report", "--claim", ok.id, "--claim", f"{PAPER}/no-such-claim", "--out", str(tmp_path)]
    assert main(argv) == 2
    assert f"no claim {PAPER}/no-such-claim" in capsys.readouterr().err
    assert not (tmp_path / "report.json").exists()
