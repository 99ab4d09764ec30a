"""The batched Soudry & Carmon claims: every instance of a batch gets, from the batched
check, the outcome the ordinary check gives it alone, and a failing instance is caught in
the batch and fails alone too."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankclaims import generators as gen
from rankclaims.claims import BatchCheck, Check, claims_of, get_claim
from rankclaims.claims import soudry2016 as s
from rankclaims.claims._batched import outcome_alone
from rankclaims.claims._core import Violation, to_exact
from rankclaims.generators._batch import batch_profile

claims_of(None)

#: the Soudry claims whose examples are batches
CONVERTED = [
    "soudry2016/fact-2",
    "soudry2016/fact-2-structured-inputs",
    "soudry2016/lemma-3",
    "soudry2016/lemma-3-relu-s-0",
    "soudry2016/theorem-4-tightness-remark",
    "soudry2016/lemma-8",
    "soudry2016/lemma-8-non-polynomial-entries",
]


def test_the_converted_claims_are_batched() -> None:
    batched = {c.id for c in claims_of("soudry2016") if c.batched}
    assert set(CONVERTED) <= batched


def _outcomes(claim, batch) -> dict[int, str]:
    bc = BatchCheck(batch.size)
    claim.check(bc, **batch.inputs())
    return dict(enumerate(bc.outcomes()))


@pytest.mark.parametrize("cid", CONVERTED)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_an_instance_replays_exactly(cid: str, data) -> None:
    """An instance taken out of a batch runs through the exact re-check (certification)
    without error: the check works on exact rationals too."""
    c = get_claim(cid)
    token = batch_profile.set("quick")
    try:
        batch = data.draw(c.given)
    finally:
        batch_profile.reset(token)
    inputs = {k: to_exact(v) for k, v in batch.instance(0).items()}
    assert outcome_alone(c, inputs, exact=True) in ("decided", "unmet")


def test_a_structured_instance_fails_in_the_batch_andoutcome_alone() -> None:
    """Lemma 3 on a batch whose instance 1 has a repeated sample (a measure-zero X): only
    that instance fails, in the batch and alone; the pattern enumeration runs per instance."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 3))
    x[1, :, 2] = x[1, :, 0]
    e = 1.0 + 0.5 * rng.standard_normal((3, 2, 3))
    e[1, :, 2] = e[1, :, 0]
    w = rng.standard_normal((3, 2, 2))
    batch = gen.Batch({"s": 0.5}, {"X": x, "E_1": e, "W_1": w}, size=3, seed=0)
    out = _outcomes(s.lemma_3, batch)
    assert out == {0: "decided", 1: "failed", 2: "decided"}
    assert outcome_alone(s.lemma_3, batch.instance(1)) == "failed"


def test_the_batched_pattern_check_equals_the_single_one() -> None:
    """The pattern enumeration on a batch decides each instance as on it alone: with the
    ReLU every pattern with a zero column fails; with s = ½ generic inputs pass."""
    rng = np.random.default_rng(1)
    e = 1.0 + 0.5 * rng.standard_normal((4, 2, 3))
    v = rng.standard_normal((4, 2, 3))
    for slope, want in ((0.0, False), (0.5, True)):
        bc = BatchCheck(4)
        assert s._pattern_rank_check(bc, e, v, slope, "r") == 2**6
        assert bc.alive.tolist() == [want] * 4
        for i in range(4):
            c = Check()
            if want:
                s._pattern_rank_check(c, e[i], v[i], slope, "r")
            else:
                with pytest.raises(Violation):
                    s._pattern_rank_check(c, e[i], v[i], slope, "r")


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_instances_have_the_unbatched_form(data) -> None:
    """What a batch hands to the check alone is what the unbatched strategies gave: 2-D
    arrays, a scalar θ for Lemma 8 (non-polynomial), a vector θ for Lemma 8."""
    token = batch_profile.set("quick")
    try:
        b8 = data.draw(get_claim("soudry2016/lemma-8-non-polynomial-entries").given)
        b8p = data.draw(get_claim("soudry2016/lemma-8").given)
        b3 = data.draw(get_claim("soudry2016/lemma-3-relu-s-0").given)
    finally:
        batch_profile.reset(token)
    assert isinstance(b8.instance(0)["theta"], float) and b8.instance(0)["theta"] < 0
    inst = b8p.instance(0)
    assert inst["theta"].shape == inst["theta_0"].shape
    inst = b3.instance(0)
    assert inst["X"].ndim == inst["E_1"].ndim == inst["W_1"].ndim == 2
    assert inst["s"] == 0.0
    # the witness: every row of W_1 is −c·x⁽ᵏ⁾
    k = inst["k"]
    ratio = inst["W_1"] / inst["X"][:, k][None, :]
    assert np.allclose(ratio[np.isfinite(ratio)], ratio[np.isfinite(ratio)].flat[0])
