"""Reproducibility (issue 7, part 3): the same profile and seed give the same verdicts and a
byte-identical ``report.json`` apart from its timing fields, in separate processes and
whatever else the process has imported; every refutation's ``reproduce`` command, run as
written, replays it alone.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import strategies as st

from rankclaims.claims import _core, claim, claims_of, get_claim, register_paper, run_claim
from rankclaims.reports.cli import main
from rankclaims.reports.model import KINDS, TIMING_FIELDS, strip_timing
from rankclaims.reports.run import run_report

#: fast claims on the quick profile (about 2 s in all, run alone) of every paper and every
#: kind, with a refutation of each paper. Left out: experiments that share one slow set of
#: training runs (galanti2022's and soudry2016's asymptotic claims: fast in a full report only
#: because an earlier claim ran them), and claims of a kind already covered that take a second.
SUBSET = [
    "daneshmand2020/example-12",
    "daneshmand2020/theorem-14-uniqueness-hypothesis",
    "daneshmand2020/lemma-16",
    "daneshmand2020/lemma-5",
    "galanti2022/eq-7-9",
    "galanti2022/theorem-1-weight-shared-layer",
    "galanti2022/lemma-2-into-a-normalised-layer",
    "sankar2018/theorem-1-scalar-noise-reading",
    "sankar2018/section-7-zero-initialisation",
    "sankar2018/lemma-1-part-2",
    "sankar2018/lemma-2",
    "sankar2018/lemma-4",
    "sankar2018/lemma-1-part-1",
    "sankar2018/corollary-2",
    "soudry2016/fact-2",
    "soudry2016/section-6-all-weights-negative",
    "soudry2016/eq-b-6",
    "soudry2016/lemma-1",
    "soudry2016/lemma-3-relu-s-0",
]

#: every claim recorded as refuted
REFUTED = [c.id for c in claims_of() if c.expect == "refuted"]

TIMING_LINE = re.compile(r'^\s*"(?:' + "|".join(TIMING_FIELDS) + r')": ')


def rankclaims_command() -> list[str]:
    """``rankclaims`` as installed beside this interpreter (``python -m rankclaims`` else)."""
    script = Path(sys.executable).parent / "rankclaims"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rankclaims"]


def test_subset_covers_every_paper_and_kind():
    claims = [get_claim(cid) for cid in SUBSET]
    assert {c.paper for c in claims} == {c.paper for c in claims_of()}
    assert {c.kind for c in claims} == set(KINDS)
    assert {c.paper for c in claims if c.expect == "refuted"} == {c.paper for c in claims}


def test_same_profile_and_seed_give_the_same_report_in_separate_processes(tmp_path):
    argv = [*rankclaims_command(), "report", "--profile", "quick", "--seed", "3", "--out", "out"]
    argv += [a for cid in SUBSET for a in ("--claim", cid)]

    def run(name: str, hashseed: str) -> subprocess.CompletedProcess:
        cwd = tmp_path / name  # the same relative --out: the same reproduce commands
        cwd.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": hashseed}  # and other set/dict-of-str orders
        return subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
        )

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(run, ["a", "b"], ["1", "2"])
    for proc in (first, second):
        assert proc.returncode == 0, proc.stderr
    a, b = ((tmp_path / n / "out" / "report.json").read_text(encoding="utf-8") for n in "ab")
    data_a, data_b = json.loads(a), json.loads(b)
    assert [c["id"] for c in data_a["claims"]] == [c.id for c in claims_of() if c.id in SUBSET]
    assert {c["verdict"] for c in data_a["claims"]} == {"holds", "refuted"}
    assert strip_timing(data_a) == strip_timing(data_b)
    # byte-identical apart from the lines of the timing fields
    lines_a = [line for line in a.splitlines() if not TIMING_LINE.match(line)]
    lines_b = [line for line in b.splitlines() if not TIMING_LINE.match(line)]
    assert len(lines_a) < len(a.splitlines())  # there were timing lines to drop
    assert lines_a == lines_b


def test_strip_timing_removes_every_timing_field_and_nothing_else():
    data = {
        "generated_at": "now",
        "seed": 0,
        "claims": [{"id": "x", "duration_s": 1.5, "budget_s": 300.0, "notes": ["duration_s"]}],
        "mutation": {"outcomes": [{"duration_s": 2.0, "killed": True}]},
    }
    assert strip_timing(data) == {
        "seed": 0,
        "claims": [{"id": "x", "budget_s": 300.0, "notes": ["duration_s"]}],
        "mutation": {"outcomes": [{"killed": True}]},
    }
    assert data["claims"][0]["duration_s"] == 1.5  # a copy: the data is left as it was


@pytest.mark.parametrize(
    "cid",
    [
        "sankar2018/corollary-2",
        "galanti2022/theorem-1-weight-shared-layer",
        "soudry2016/lemma-3-relu-s-0",
        "daneshmand2020/lemma-4",
    ],
)
def test_run_claim_twice_gives_the_same_result(cid):
    c = get_claim(cid)
    first, second = (strip_timing(run_claim(c, profile="quick", seed=1).to_json()) for _ in "12")
    assert first["verdict"] == c.expect
    assert first == second


# -- the search does not depend on what else the process imported ---------------------------------

PAPER = register_paper("toyrepro", "R. Repro. The same seed, the same examples. 2024.")

#: a module of the project with many constants, as a test helper or a claim module would be
CONSTANTS = "VALUES = [{}]\nFLOATS = [{}]\n".format(
    ", ".join(str(i) for i in range(-500, 500, 7)),
    ", ".join(f"{k / 97:.17g}" for k in range(97)),
)


@pytest.fixture
def toy_claim():
    @claim(
        PAPER,
        "Drawn values",
        statement="every drawn value is recorded",
        kind="inequality",
        given=st.fixed_dictionaries(
            {"n": st.integers(-1000, 1000), "u": st.floats(0, 1), "m": st.integers(0, 10**6)}
        ),
        examples={"quick": 60},
    )
    def check(c, n, u, m):
        c.tally("n", str(n))
        c.tally("u", repr(u))
        c.tally("m", str(m))
        c.holds(True, "fine", certain=True)

    yield check
    for cid in [cid for cid in _core._REGISTRY if cid.startswith(f"{PAPER}/")]:
        del _core._REGISTRY[cid]


def test_search_does_not_depend_on_the_modules_imported(toy_claim, tmp_path, monkeypatch):
    """Hypothesis draws, now and then, constants from the source of the *local* modules
    imported so far (6.131+); the runner turns that off, else the examples of a claim would
    depend on the command that ran it and on what earlier claims imported."""
    before = strip_timing(run_claim(toy_claim, profile="quick", seed=0).to_json())
    path = tmp_path / "project_constants.py"
    path.write_text(CONSTANTS, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("_toyrepro_project_constants", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    after = strip_timing(run_claim(toy_claim, profile="quick", seed=0).to_json())
    assert after == before


# -- replaying every refutation -----------------------------------------------------------------


@pytest.fixture(scope="module")
def refutations(tmp_path_factory) -> dict[str, dict]:
    """A quick report of every claim recorded as refuted."""
    out = tmp_path_factory.mktemp("refuted report")  # a space: the command must quote it
    run_report(profile="quick", out=out, claim_ids=REFUTED, stream=io.StringIO())
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {c["id"]: c for c in data["claims"]}


def test_every_refutation_is_refuted(refutations):
    assert len(REFUTED) >= 19
    assert {cid: c["verdict"] for cid, c in refutations.items()} == dict.fromkeys(
        REFUTED, "refuted"
    )


@pytest.mark.parametrize("cid", REFUTED)
def test_reproduce_command_replays_the_refutation(cid, refutations, capsys):
    argv = shlex.split(refutations[cid]["reproduce"])
    assert argv[:3] == ["rankclaims", "check", cid] and argv[3] == "--replay"
    assert main(argv[1:]) == 0
    assert f"{cid}: refuted by the recorded counterexample" in capsys.readouterr().out


def test_reproduce_command_runs_as_written_in_a_shell(refutations):
    bindir = Path(sys.executable).parent
    if not (bindir / "rankclaims").exists():
        pytest.skip("no rankclaims script beside the interpreter")
    cid = "sankar2018/lemma-2"
    proc = subprocess.run(
        refutations[cid]["reproduce"],
        shell=True,
        env={**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{cid}: refuted by the recorded counterexample" in proc.stdout
