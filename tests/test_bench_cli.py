"""``rankclaims bench``: a tiny run prints the ratios and writes the JSON; CUDA asked for
without CUDA is a clear error (exit 2). Speed is never asserted."""

from __future__ import annotations

import io
import json
import math

import pytest

from rankclaims.reports import bench
from rankclaims.reports.cli import main

CLAIM = "sankar2018/theorem-1"


def test_quick_bench_prints_ratios_and_writes_json(tmp_path, capsys):
    out = tmp_path / "sub" / "bench.json"
    rc = main(["bench", "--quick", "--sizes", "8,16", "--claim", CLAIM, "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "vs numpy" in text and "vs torch" in text
    assert CLAIM in text
    assert "DISAGREE" not in text
    assert f"wrote {out}" in text

    data = json.loads(out.read_text())
    assert data["schema"] == bench.SCHEMA
    assert {"environment", "device", "config", "matrix_rank", "khatri_rao_rank", "claims"} <= set(
        data
    )
    assert data["device"] == "cpu"
    assert data["environment"]["numpy"]
    assert data["agree"] is True
    rows = data["matrix_rank"]
    assert {(r["n"], r["dtype"]) for r in rows} == {
        (n, dt) for n in (8, 16) for dt in ("float64", "float32")
    }
    for r in rows:
        assert r["batch"] >= 1
        assert set(r["matrices_per_s"]) == {"rankclaims", "numpy", "torch"}
        assert all(v > 0 for v in r["matrices_per_s"].values())
        assert set(r["ratio"]) == {"rankclaims/numpy", "rankclaims/torch"}
        assert all(math.isfinite(v) and v > 0 for v in r["ratio"].values())
        assert all(v == 0 for v in r["disagreements"].values())
    assert data["khatri_rao_rank"], "the quick run times khatri_rao_rank too"
    for r in data["khatri_rao_rank"]:
        assert set(r["ranks"].values()) == {r["expected_rank"]}
    (claim,) = data["claims"]
    assert claim["id"] == CLAIM
    assert claim["verdict"] == claim["expected"]
    assert claim["instances"] >= claim["examples"] > 0
    assert claim["instances_per_s"] > 0
    assert data["targets"]["applies"] is False
    assert not list(out.parent.glob(".*.tmp")), "no temporary file left behind"


def test_run_bench_without_claims_or_khatri_rao():
    stream = io.StringIO()
    data = bench.run_bench(
        sizes=[4], quick=True, run_claims=False, khatri_rao=False, repeats=1, stream=stream
    )
    assert [r["n"] for r in data["matrix_rank"]] == [4, 4]
    assert data["claims"] == [] and data["khatri_rao_rank"] == []
    assert "claims (profile" not in stream.getvalue()


def test_disagreements_are_counted():
    import numpy as np

    got = bench._disagreements(
        {"rankclaims": np.array([2, 2, 2]), "numpy": np.array([2, 1, 2])}, expected=2
    )
    assert got == {"rankclaims vs numpy": 1, "rankclaims vs expected": 0, "numpy vs expected": 1}


def test_cuda_without_cuda_exits_2(monkeypatch, capsys):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(["bench", "--device", "cuda", "--quick", "--sizes", "8", "--no-claims"]) == 2
    captured = capsys.readouterr()
    assert "CUDA is not available" in captured.err
    assert "matrix_rank" not in captured.out, "nothing is measured"


def test_unknown_claim_exits_2_before_measuring(capsys):
    assert main(["bench", "--quick", "--sizes", "8", "--claim", "nopaper/no-claim"]) == 2
    captured = capsys.readouterr()
    assert "nopaper/no-claim" in captured.err
    assert "matrix_rank" not in captured.out


@pytest.mark.parametrize("sizes", ["0", "8,x", ""])
def test_bad_sizes_are_refused(sizes, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--sizes", sizes])
    assert exc.value.code == 2
