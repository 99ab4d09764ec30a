"""``Check.khatri_rao_rank``: the rank of ``B ∘ C`` inside a claim's check.

It mirrors ``Check.rank`` (margins, grey zone, the exact notion, exact mode) and records the
kernel stage that decided, which reaches the report as a tally over examples.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import strategies as st

from rankclaims.claims import Check, Undecided, _core, claim, rank_rtol, register_paper, run_claim
from rankclaims.kernels import khatri_rao

PAPER = register_paper("toykhatrirao", "A. Toy. Khatri-Rao ranks in claims. 2024.")


@pytest.fixture(autouse=True)
def _forget_toy_claims():
    yield
    for cid in [cid for cid in _core._REGISTRY if cid.startswith(f"{PAPER}/")]:
        del _core._REGISTRY[cid]


def test_float_mode_decides_records_margin_and_kernel_stage():
    rng = np.random.default_rng(0)
    b, c = rng.standard_normal((3, 10)), rng.standard_normal((4, 10))
    chk = Check()
    assert chk.khatri_rao_rank(b, c, "K") == 10
    assert chk.record.margins["K"] > 1
    assert chk.record.tallies["kernel deciding K"] == "gram-eigh"
    assert not chk.record.exact_rank_estimated
    # the same rank as Check.rank of the formed product
    assert Check().rank(khatri_rao(b, c), "formed") == 10


def test_square_product_is_formed_and_deficient_rank_is_an_estimate():
    b = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]])  # rank 1
    c = np.array([[1.0, 0.0, 1.0, 2.0], [0.0, 1.0, 1.0, 1.0]])
    chk = Check()
    assert chk.khatri_rao_rank(b, c, "K") == 2
    assert chk.record.tallies["kernel deciding K"] == "formed-svd"
    assert chk.record.exact_rank_estimated  # below full: bounds the exact rank from below only
    num = Check()
    num.khatri_rao_rank(b, c, "K", notion="numerical")
    assert not num.record.exact_rank_estimated


def test_exact_mode_forms_the_product_of_fractions():
    b = np.array([[Fraction(1, 3), Fraction(1)], [Fraction(2, 3), Fraction(1)]], dtype=object)
    c = np.array([[Fraction(1), Fraction(1)]], dtype=object)
    chk = Check(exact=True)
    assert chk.khatri_rao_rank(b, c, "K") == 2
    # columns (1/3, 2/3) and (1, 2) of B are parallel: a rank-one product for any C
    b[1, 1] = Fraction(2)
    assert chk.khatri_rao_rank(b, np.array([[1, 3]], dtype=object), "K2") == 1
    assert chk.record.tallies["kernel deciding K"].startswith("exact")


def test_batches_return_arrays_and_the_smallest_margin():
    rng = np.random.default_rng(1)
    b, c = rng.standard_normal((5, 2, 4)), rng.standard_normal((3, 4))
    chk = Check()
    ranks = chk.khatri_rao_rank(b, c, "batch")
    assert isinstance(ranks, np.ndarray) and ranks.tolist() == [4] * 5
    exact = Check(exact=True).khatri_rao_rank(b.astype(object), c.astype(object), "batch")
    assert exact.tolist() == [4] * 5


def test_grey_zone_is_undecided():
    t = rank_rtol(np.float64)  # σ_2 exactly at the threshold √eps·σ_1
    b = np.eye(2)
    c = np.array([[1.0, 0.0], [0.0, t]])
    chk = Check()
    with pytest.raises(Undecided, match="grey zone"):
        chk.khatri_rao_rank(b, c, "K")
    assert chk.record.margins["K"] <= 1
    assert chk.record.tallies["kernel deciding K"].endswith("(undecided)")


def test_notion_is_validated():
    with pytest.raises(ValueError, match="notion"):
        Check().khatri_rao_rank(np.eye(2), np.eye(2), "K", notion="soft")


def test_the_deciding_stage_reaches_the_report_as_a_tally():
    @st.composite
    def pairs(draw):
        n = draw(st.integers(2, 6))
        rng = np.random.default_rng(draw(st.integers(0, 100)))
        return {"B": rng.standard_normal((3, n)), "C": rng.standard_normal((3, n))}

    @claim(
        PAPER,
        "Fact 1",
        statement="rank(B ∘ C) = N for generic B, C with N ≤ 9",
        kind="almost-everywhere",
        given=pairs(),
        examples={"quick": 10},
    )
    def fact(c, B, C):
        c.holds(c.khatri_rao_rank(B, C, "rank(B ∘ C)") == B.shape[1], "full rank")

    result = run_claim(fact, profile="quick")
    assert result.verdict == "holds"
    tally = [n for n in result.notes if n.startswith("kernel deciding rank(B ∘ C): ")]
    assert len(tally) == 1
    counts = [
        int(part.rsplit("(", 1)[1].rstrip("×)")) for part in tally[0].split(": ")[1].split(", ")
    ]
    assert sum(counts) == result.examples


def test_a_deficient_product_refutes_with_an_exact_certificate():
    @claim(
        PAPER,
        "Fact 2",
        statement="rank(B ∘ C) = N (false for repeated columns)",
        kind="rank",
        given=st.just({"B": np.array([[1, 1], [2, 2]]), "C": np.array([[1, 1], [0, 0]])}),
        exact=True,
        expect="refuted",
        examples={"quick": 3},
    )
    def fact(c, B, C):
        c.holds(c.khatri_rao_rank(B, C, "rank(B ∘ C)") == 2, "full rank")

    result = run_claim(fact, profile="quick")
    assert result.verdict == "refuted"
    assert result.certificate.startswith("exact")
