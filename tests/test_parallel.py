"""``rankclaims report --jobs N``: claims spread over worker processes, merged into the report
the sequential run writes (timing fields apart); a worker that dies makes its claim an
``error`` and the run goes on; Ctrl-C writes the partial report; ``--device cuda`` without
CUDA is refused; the instances/s column of the writers.

Claims that kill their worker are declared in a script run as a subprocess (spawned workers
import it again as ``__mp_main__``, so its claims exist there too), the way
tests/test_fault_tolerance.py declares its SIGINT claims.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from rankclaims.reports._format import fmt_rate, run_totals
from rankclaims.reports._html import render_html
from rankclaims.reports._markdown import render_markdown
from rankclaims.reports.cli import main
from rankclaims.reports.model import ClaimResult, Report, strip_timing
from rankclaims.reports.run import resolve_jobs, run_report

#: fast claims of sankar2018 on the quick profile, holds and refuted both
FAST = [
    "sankar2018/lemma-1-part-1",
    "sankar2018/lemma-2",
    "sankar2018/corollary-2",
    "sankar2018/theorem-1",
    "sankar2018/lemma-5",
]


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def comparable(out: Path) -> dict:
    """report.json without its timing fields, and with its own directory named ``OUT``
    (each refutation's replay command names the report it is in)."""
    text = (out / "report.json").read_text(encoding="utf-8").replace(str(out), "OUT")
    return strip_timing(json.loads(text))


def differences(a: dict, b: dict) -> list[str]:
    """Where two report.json data differ: ``claim id: field: a != b``."""
    out = [
        f"{k}: {a.get(k)!r} != {b.get(k)!r}"
        for k in a.keys() | b.keys()
        if k != "claims" and a.get(k) != b.get(k)
    ]
    for x, y in zip(a["claims"], b["claims"], strict=True):
        out += [
            f"{x['id']}: {k}: {x.get(k)!r} != {y.get(k)!r}"
            for k in x.keys() | y.keys()
            if x.get(k) != y.get(k)
        ]
    return out


def test_jobs_2_writes_the_report_of_jobs_1(tmp_path, capsys):
    argv = ["report", "--profile", "quick", *(a for cid in FAST for a in ("--claim", cid))]
    assert main([*argv, "--jobs", "1", "--out", str(tmp_path / "one")]) == 0
    sequential = capsys.readouterr().err
    assert main([*argv, "--jobs", "2", "--out", str(tmp_path / "two")]) == 0
    parallel = capsys.readouterr().err
    one, two = comparable(tmp_path / "one"), comparable(tmp_path / "two")
    assert [c["id"] for c in two["claims"]] == FAST  # declaration order
    assert {c["id"]: c["verdict"] for c in two["claims"]} == {
        c["id"]: c["verdict"] for c in one["claims"]
    }
    assert differences(one, two) == []
    assert two == one
    assert "5 claims over 2 worker processes" in parallel
    # one progress line per claim, as results come in
    for cid in FAST:
        label = next(c["label"] for c in one["claims"] if c["id"] == cid)
        assert f"sankar2018 {label}: " in sequential and f"sankar2018 {label}: " in parallel
    assert all(f"[{i}/5] sankar2018 " in parallel for i in range(1, 6))


def test_jobs_option_values(capsys):
    assert resolve_jobs("auto") == resolve_jobs(0) >= 1
    assert resolve_jobs(3) == 3
    for bad in ("-1", "many"):
        with pytest.raises(SystemExit) as exc:
            main(["report", "--jobs", bad])
        assert exc.value.code == 2
    assert "--jobs" in capsys.readouterr().err


DYING = """
import os, signal, sys, time
from hypothesis import strategies as st
from rankclaims.claims import claim, register_paper

P = register_paper("toydying", "D. Dying. Claims that kill their worker. 2024.")
X = st.fixed_dictionaries({"x": st.integers(0, 9)})
N = {"quick": 3}

def fine(label):
    @claim(P, label, statement="s", kind="identity", given=X, examples=N)
    def check(c, x):
        c.holds(True, "fine", certain=True)
    return check

lemma_1 = fine("Lemma 1")

INTERRUPT = os.environ.get("INTERRUPT")

@claim(P, "Lemma 2", statement="s", kind="identity", given=X, examples=N)
def lemma_2(c, x):
    if not INTERRUPT:
        os._exit(3)
    c.holds(True, "fine", certain=True)

lemma_3 = fine("Lemma 3")

@claim(P, "Lemma 4", statement="s", kind="identity", given=X, examples=N)
def lemma_4(c, x):
    if not INTERRUPT:
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(30)
    c.holds(True, "fine", certain=True)

@claim(P, "Lemma 5", statement="s", kind="identity", given=X, examples=N)
def lemma_5(c, x):
    if INTERRUPT:  # Ctrl-C in the parent while this one runs
        time.sleep(1)
        os.kill(os.getppid(), signal.SIGINT)
        time.sleep(30)
    c.holds(True, "fine", certain=True)

lemma_6 = fine("Lemma 6")

if __name__ == "__main__":
    # a shell that starts jobs in the background ignores SIGINT in them: restore Ctrl-C
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from rankclaims.reports.cli import main

    sys.exit(main(["report", "--paper", P, "--jobs", "2", "--out", sys.argv[1]]))
"""

DYING_IDS = [f"toydying/lemma-{i}" for i in range(1, 7)]


def run_script(tmp_path: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    script = tmp_path / "dying.py"
    script.write_text(DYING, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )


def test_a_dead_worker_makes_its_claim_an_error_and_the_run_goes_on(tmp_path):
    out = tmp_path / "out"
    proc = run_script(tmp_path, out)
    assert proc.returncode == 1, proc.stderr  # errors: 1
    data = read(out / "report.json")
    by_id = {c["id"]: c for c in data["claims"]}
    assert list(by_id) == DYING_IDS and data["not_run"] == []
    verdicts = [by_id[cid]["verdict"] for cid in DYING_IDS]
    assert verdicts == ["holds", "error", "holds", "error", "holds", "holds"], proc.stderr
    died = by_id["toydying/lemma-2"]["error"]
    assert died.startswith("the worker process running this claim died (exit code 3)")
    assert "not run further" in died
    assert by_id["toydying/lemma-4"]["error"].startswith(
        "the worker process running this claim was killed by SIGSEGV"
    )
    assert "Lemma 2: error" in proc.stderr and "exit code 3" in proc.stderr
    assert not (out / "partial").exists()


def test_ctrl_c_with_workers_writes_a_partial_report(tmp_path):
    out = tmp_path / "out"
    t0 = time.perf_counter()
    proc = run_script(tmp_path, out, INTERRUPT="1")
    assert time.perf_counter() - t0 < 25  # the worker sleeping 30 s was ended
    assert proc.returncode == 130, proc.stderr
    assert not (out / "report.json").exists()  # no complete report: nothing was there
    data = read(out / "partial" / "report.json")
    ran = [c["id"] for c in data["claims"]]
    assert "toydying/lemma-5" in data["not_run"] and "toydying/lemma-5" not in ran
    assert sorted(ran + data["not_run"]) == DYING_IDS
    assert [cid for cid in DYING_IDS if cid in ran] == ran  # declaration order
    assert "claims did not run: " in proc.stderr and "toydying/lemma-5" in proc.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_device_cuda_without_cuda_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", "--claim", FAST[0], "--device", "cuda", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "rankclaims report: device cuda was asked for" in err
    assert "torch.cuda.is_available() is False" in err and "nothing was run" in err
    assert not out.exists()
    assert main(["check", FAST[0], "--device", "cuda"]) == 2
    assert "rankclaims check: device cuda was asked for" in capsys.readouterr().err
    with pytest.raises(ValueError, match="device cuda"):
        run_report(claim_ids=[FAST[0]], device="cuda")
    with pytest.raises(SystemExit) as exc:
        main(["report", "--device", "tpu"])
    assert exc.value.code == 2


def test_device_is_passed_to_run_claim(monkeypatch):
    import io

    import rankclaims.claims as claims
    import rankclaims.reports.run as run

    seen = []
    real = claims.run_claim

    def spy(c, **kwargs):
        seen.append(kwargs["device"])
        return real(c, **{**kwargs, "device": "cpu"})

    monkeypatch.setattr(claims, "run_claim", spy)
    monkeypatch.setattr(run, "check_device", lambda device: None)  # as if CUDA were here
    run_report(claim_ids=[FAST[0]], device="cuda", stream=io.StringIO())
    assert seen == ["cuda"]


def result(cid: str, **kwargs) -> ClaimResult:
    base = dict(
        id=cid,
        paper="toy",
        label=cid,
        kind="rank",
        statement="s",
        verdict="holds",
        examples=25,
        duration_s=2.0,
    )
    return ClaimResult(**{**base, **kwargs})


def test_writers_show_instances_per_second():
    claims = [
        result("toy/batched", instances=2500, batch_size=100, instances_per_s=1250.0),
        result("toy/plain", instances=25, instances_per_s=12.5),
        result("toy/old", duration_s=1.0),  # instances not recorded
    ]
    report = Report(
        profile="quick", seed=0, environment={}, claims=claims, generated_at="2024-01-01"
    )
    page = render_html(report)
    assert '<span class="c-num" title="instances checked per second' in page
    assert ">instances/s</span>" in page
    assert (
        '<span class="c-num c-rate" title="2500 instances in 25 examples (batches of up to '
        '100), 2.0 s, on cpu">1250</span>'
    ) in page
    assert 'title="25 instances (one per example: not batched), 2.0 s, on cpu">12.5</span>' in page
    assert 'title="instances not recorded; 1.0 s, on cpu">—</span>' in page
    totals = "2525 instances checked (1 claim batched) in 5.0 s of search"
    assert totals in page and "505 instances/s, on cpu" in page
    md = render_markdown(report)
    assert "| premise rate | instances/s |" in md
    assert "| 1250 (2500 instances, batches of up to 100) |" in md
    assert "| 12.5 |" in md and f"Totals: {totals}" in md
    assert run_totals(claims)["instances_per_s"] == 505.0
    assert fmt_rate(None) == "—" and fmt_rate(0.4213) == "0.421" and fmt_rate(12345.6) == "12346"
