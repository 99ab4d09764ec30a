"""Mutation analysis (``rankclaims mutate``): sites, operators, outcomes, the report.

Toy claims of the paper ``toymutation`` (removed from the registry after each test) show
that each operator states a false variant the search can kill, that mutants which are not
false survive and are explained, and that a census changes nothing about a claim's run.
One bounded run mutates every claim of Sankar et al. on the quick profile and asserts the
kill rate and that every survivor is explained.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import strategies as st

from rankclaims import generators as gen
from rankclaims.claims import Check, _core, claim, register_paper, run_claim
from rankclaims.claims._mutate import mutate_claim, mutation_summary
from rankclaims.claims._mutation import OPERATORS, Census, Mutation, active
from rankclaims.reports.cli import main
from rankclaims.reports.model import strip_timing

PAPER = register_paper("toymutation", "A. Toy. Mutation analysis, tested. 2024.")
FEW = {"quick": 12, "default": 12, "thorough": 12}


@pytest.fixture(autouse=True)
def _forget_toy_claims():
    yield
    for cid in [cid for cid in _core._REGISTRY if cid.startswith(f"{PAPER}/")]:
        del _core._REGISTRY[cid]


def toy(label: str, *, given, kind: str = "inequality", **kwargs):
    return claim(
        PAPER, label, statement=f"toy {label}", kind=kind, given=given, examples=FEW, **kwargs
    )


def reals(lo: float = -10.0, hi: float = 10.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def outcome(outs, operator):
    (o,) = [o for o in outs if o.operator == operator]
    return o


def test_a_tight_inequality_kills_reversal_and_tightening():
    # |x| ≤ |x| + |y| is attained at y = 0; its tightening |x| ≤ (|x| + |y|)/2 fails when
    # y = 0, x ≠ 0; its reversal fails whenever y ≠ 0
    @toy("Triangle", given=st.fixed_dictionaries({"x": reals(), "y": reals()}))
    def tri(c: Check, x: float, y: float) -> None:
        c.leq(abs(x), abs(x) + abs(y), "|x| ≤ |x| + |y|", atol=1e-12)

    result, outs = mutate_claim(tri, profile="quick", seed=0)
    assert result.verdict == "holds"
    assert {o.operator for o in outs} == {"reverse", "tighten"}
    assert all(o.status == "killed" for o in outs), [o.detail for o in outs]
    assert result.mutation["kill_rate"] == 1.0
    # the certified ones carry their refutation
    assert "refuted" in outcome(outs, "tighten").detail


def test_a_loose_bound_survives_tightening_and_is_explained():
    # x ≤ 3x on x ≥ 1 is loose by a factor 3 everywhere: the tightened x ≤ 1.5x is true
    @toy(
        "Loose",
        given=st.fixed_dictionaries({"x": reals(1.0, 10.0)}),
        mutant_notes={"tighten 3x": "the bound is loose by a factor 3 by construction"},
    )
    def loose(c: Check, x: float) -> None:
        c.leq(x, 3 * x, "x ≤ 3x", atol=1e-12)

    result, outs = mutate_claim(loose, profile="quick", seed=0)
    t = outcome(outs, "tighten")
    assert t.status == "survived" and t.explanation.startswith("the bound is loose")
    assert outcome(outs, "reverse").status == "killed"
    assert result.mutation["survived"] == 1 and result.mutation["kill_rate"] == 0.5


def test_a_declared_equivalent_mutant_is_left_out_of_the_kill_rate():
    @toy(
        "Equivalent",
        given=st.fixed_dictionaries({"x": reals(1.0, 10.0)}),
        equivalent_mutants={"tighten 3x": "x ≤ 1.5x for every x ≥ 0"},
    )
    def eq(c: Check, x: float) -> None:
        c.leq(x, 3 * x, "x ≤ 3x", atol=1e-12)

    result, outs = mutate_claim(eq, profile="quick", seed=0)
    t = outcome(outs, "tighten")
    assert t.status == "equivalent" and t.explanation == "x ≤ 1.5x for every x ≥ 0"
    assert result.mutation["equivalent"] == 1 and result.mutation["kill_rate"] == 1.0
    summary = mutation_summary([result])
    assert summary["kill_rate"] == 1.0 and summary["survivors"][0]["status"] == "equivalent"


def test_dropping_a_needed_hypothesis_is_killed_and_an_unneeded_one_survives():
    @toy("Needs positive", given=st.fixed_dictionaries({"x": reals()}))
    def needs(c: Check, x: float) -> None:
        c.premise(x > 0, "x > 0")
        c.premise(x > -100, "x > −100 (never unmet)")
        c.holds(x > 0, "x > 0")

    result, outs = mutate_claim(needs, profile="quick", seed=0)
    drop = outcome(outs, "drop")
    assert drop.name == "x > 0" and drop.status == "killed"
    # the premise no example failed yields no mutant
    assert result.mutation["premises_never_unmet"] == 1
    assert outcome(outs, "negate").status == "killed"

    @toy("Redundant", given=st.fixed_dictionaries({"x": reals()}))
    def redundant(c: Check, x: float) -> None:
        c.premise(x > 0, "x > 0 (redundant)")
        c.holds(x * x >= 0, "x² ≥ 0", certain=True)

    _, outs = mutate_claim(redundant, profile="quick", seed=0)
    assert outcome(outs, "drop").status == "survived"


def test_nonvacuity_premises_are_not_dropped():
    @toy("Nonvacuity", given=st.fixed_dictionaries({"x": reals()}))
    def nv(c: Check, x: float) -> None:
        c.premise(x != 0, "x ≠ 0 (else trivial)", nonvacuity=True)
        c.holds(abs(x) > 0, "|x| > 0", certain=True)

    _, outs = mutate_claim(nv, profile="quick", seed=0)
    assert [o.operator for o in outs] == ["negate"]


def test_rank_bound_off_by_one_is_killed_when_attained():
    @toy(
        "Product rank",
        kind="rank",
        given=st.fixed_dictionaries(
            {"A": gen.integer_matrices((3, 2)), "B": gen.integer_matrices((2, 3))}
        ),
        exact=True,
    )
    def prod(c: Check, A, B) -> None:
        c.rank_at_most(A @ B, 2, "rank(AB)")

    _, outs = mutate_claim(prod, profile="quick", seed=0)
    assert outcome(outs, "bound-1").status == "killed"


def test_rank_off_by_one_tries_both_directions_and_two_calls_on_a_line_are_two_sites():
    @toy(
        "Sylvester",
        kind="rank",
        given=st.fixed_dictionaries({"A": gen.integer_matrices((2, 2), rank=2)}),
        exact=True,
    )
    def syl(c: Check, A) -> None:
        ra, raa = c.rank(A, "r_A"), c.rank(A @ A, "r_AA")
        c.holds(raa <= ra, "r_AA ≤ r_A")

    _, outs = mutate_claim(syl, profile="quick", seed=0)
    ranks = [o for o in outs if o.operator == "rank±1"]
    assert sorted(o.name for o in ranks) == ["r_A", "r_AA"]
    # r_A − 1 and r_AA + 1 break r_AA ≤ r_A (both full rank, so the bound is attained)
    assert all(o.status == "killed" for o in ranks), [o.detail for o in ranks]
    assert any(o.detail.startswith("rank-1") for o in ranks)


def test_an_identity_with_a_perturbed_term_is_killed_exactly_and_in_floats():
    @toy(
        "Square",
        kind="identity",
        given=st.fixed_dictionaries({"x": reals()}),
        exact=True,
    )
    def square(c: Check, x) -> None:
        c.close((x + 1) * (x + 1), x * x + 2 * x + 1, "(x+1)² = x² + 2x + 1", tol=1e-12)

    _, outs = mutate_claim(square, profile="quick", seed=0)
    assert outcome(outs, "perturb").status == "killed"


def test_statistical_operators():
    @toy(
        "Coin",
        kind="probabilistic",
        given=st.fixed_dictionaries({"seed": gen.seeds()}),
    )
    def coin(c: Check, seed: int) -> None:
        x = np.random.default_rng(seed).random(400)
        c.frequency_at_least(int(np.sum(x < 0.9)), 400, 0.8, "P(U < 0.9) ≥ 0.8")
        c.mean_at_least(x, 0.4, "E[U] ≥ 0.4")
        c.mean_close(x, 0.5, "E[U] = 1/2")

    result, outs = mutate_claim(coin, profile="quick", seed=0)
    assert result.verdict == "holds"
    assert {o.operator: o.status for o in outs} == {
        "complement": "killed",
        "reverse": "killed",
        "shift": "killed",
    }


def test_a_census_does_not_change_the_run():
    @toy("Census", given=st.fixed_dictionaries({"x": reals(), "y": reals()}))
    def cen(c: Check, x: float, y: float) -> None:
        c.premise(x + y != 0, "x + y ≠ 0")
        c.leq(abs(x + y), abs(x) + abs(y), "triangle", tol=1e-15)

    plain = run_claim(cen, profile="quick", seed=3).to_json()
    census = Census()
    token = active().set(census)
    try:
        counted = run_claim(cen, profile="quick", seed=3).to_json()
    finally:
        active().reset(token)
    assert strip_timing(plain) == strip_timing(counted)
    methods = sorted(s.method for s in census.sites.values())
    assert methods == ["leq", "premise"]
    hits = {s.method: s.hits for s in census.sites.values()}
    assert hits == {"premise": plain["examples"], "leq": plain["premise_met"]}


def test_a_mutation_applies_only_at_its_site():
    @toy("Two sites", given=st.fixed_dictionaries({"x": reals(1, 2)}))
    def two(c: Check, x: float) -> None:
        c.leq(x, 2 * x, "first", atol=1e-12)
        c.leq(x, 2 * x, "second", atol=1e-12)

    census = Census()
    token = active().set(census)
    try:
        run_claim(two, profile="quick", seed=0)
    finally:
        active().reset(token)
    first = next(s for s in census.sites.values() if s.name == "first")
    m = Mutation(first.method, first.file, first.line, first.offset, "reverse")
    token = active().set(m)
    try:
        r = run_claim(two, profile="quick", seed=0, shrink=False)
    finally:
        active().reset(token)
    assert r.verdict == "refuted" and m.applied >= 1
    assert "first" in r.notes[0]


def test_refuted_claims_are_not_mutated():
    @toy("False", given=st.fixed_dictionaries({"x": reals(1, 2)}))
    def false(c: Check, x: float) -> None:
        c.holds(x > 5, "x > 5", certain=True)

    result, outs = mutate_claim(false, profile="quick", seed=0)
    assert result.verdict == "refuted" and outs == []
    assert result.mutation["mutants"] == 0 and "refuted" in result.mutation["note"]


def test_every_check_method_has_operators():
    methods = {
        "premise",
        "holds",
        "rank",
        "khatri_rao_rank",
        "rank_at_most",
        "leq",
        "close",
        "frequency_at_least",
        "mean_close",
        "mean_at_least",
        "mean_at_most",
    }
    assert set(OPERATORS) == methods
    for m in methods:
        assert hasattr(Check, m)


def test_the_report_carries_mutation_and_the_cli_fails_on_unexplained_survivors(tmp_path):
    @toy("Report loose", given=st.fixed_dictionaries({"x": reals(1.0, 10.0)}))
    def loose(c: Check, x: float) -> None:
        c.leq(x, 3 * x, "x ≤ 3x", atol=1e-12)

    out = tmp_path / "rep"
    rc = main(["mutate", "--claim", loose.id, "--out", str(out)])
    assert rc == 1  # an unexplained survivor
    data = json.loads((out / "report.json").read_text())
    (entry,) = data["claims"]
    assert entry["mutation"]["mutants"] == 2 and entry["mutation"]["survived"] == 1
    assert data["mutation"]["kill_rate"] == 0.5
    assert data["mutation"]["survivors"][0]["operator"] == "tighten"
    html = (out / "report.html").read_text()
    assert "mutants killed" in html and "1/2" in html and "Mutation analysis" in html
    assert "## Mutation analysis" in (out / "report.md").read_text()
    # an ordinary report has no mutation data and no column
    assert mutation_summary([]) is None


def test_mutation_of_sankar_on_quick_kills_at_least_95_percent(tmp_path):
    """The bounded CI run: every claim of one paper, quick profile, every survivor
    explained (the default-profile figures for all papers are in the README)."""
    from rankclaims.reports.mutate import run_mutation

    report = run_mutation(["sankar2018"], profile="quick", seed=0, jobs=1, out=None)
    ms = report.mutation_summary()
    assert ms["mutants"] >= 30
    assert ms["kill_rate"] >= 0.95, ms["survivors"]
    assert all(s["explanation"] for s in ms["survivors"]), ms["survivors"]
    assert ms["error"] == 0


def test_mutation_over_workers_equals_the_sequential_run() -> None:
    """``--jobs 2`` runs the claims in the report's worker pool: the same mutants and
    outcomes as one process."""
    from rankclaims.reports.model import strip_timing
    from rankclaims.reports.mutate import run_mutation

    ids = ["sankar2018/lemma-3", "sankar2018/lemma-1-part-2", "sankar2018/corollary-1"]
    one, two = (
        run_mutation(["sankar2018"], profile="quick", seed=0, claim_ids=ids, jobs=j, out=None)
        for j in (1, 2)
    )
    assert [c.id for c in two.claims] == [c.id for c in one.claims]  # declaration order
    assert strip_timing(two.mutation_summary()) == strip_timing(one.mutation_summary())
    for a, b in zip(one.claims, two.claims, strict=True):
        assert strip_timing(a.mutation) == strip_timing(b.mutation)
        assert a.mutation["mutants"] >= 1
