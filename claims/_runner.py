"""Running a claim: a Hypothesis search, certification, and the verdict.

:func:`run_claim` is the one place where a claim's examples become a verdict; the pytest
plugin and ``rankclaims report`` both call it, so ``pytest claims`` and the report agree.
"""

from __future__ import annotations

import contextlib
import math
import shlex
import signal
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rankclaims.claims._batched import BatchCheck
from rankclaims.claims._core import (
    CERTIFY_MARGIN,
    Check,
    Claim,
    PremiseUnmet,
    Undecided,
    Violation,
    _ExampleRecord,
    to_exact,
)
from rankclaims.claims._mutation import note_violation
from rankclaims.generators._batch import DEVICES, Batch, batch_device, batch_profile
from rankclaims.reports.model import ClaimResult

__all__ = [
    "BUDGETS",
    "MIN_DECIDED",
    "PROFILES",
    "budget_for",
    "decode_inputs",
    "encode_inputs",
    "examples_for",
    "run_claim",
    "verdict_from",
]

#: Hypothesis examples per claim for each profile (a claim may override: ``examples=``).
PROFILES: dict[str, int] = {"quick": 25, "default": 200, "thorough": 2000}

#: Fewer decided examples than this (or than half of those meeting the premise) is
#: ``inconclusive``: too little of the search could be decided by the numbers.
MIN_DECIDED = 3

#: Time budget per claim, in seconds, for each profile (a claim may declare its own:
#: ``budget=``; ``--budget``/``--claims-budget`` override both). About twenty times the
#: slowest claim of each profile on a 2-core CI machine (README, "Profiles and pytest"): far
#: above any claim's normal run, yet a hang ends in minutes on ``quick``.
BUDGETS: dict[str, float] = {"quick": 300.0, "default": 1800.0, "thorough": 14400.0}


def examples_for(c: Claim, profile: str) -> int:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}")
    if c.examples and profile in c.examples:
        return int(c.examples[profile])
    return PROFILES[profile]


def budget_for(c: Claim, profile: str) -> float | None:
    """The time budget of claim ``c`` on ``profile`` in seconds (None: unlimited): the
    claim's own ``budget=`` (a number, or one per profile), else the profile's
    (:data:`BUDGETS`)."""
    own = getattr(c, "budget", None)
    if isinstance(own, Mapping):
        own = own.get(profile)
    if own is None:
        return BUDGETS.get(profile)
    return _budget_value(own)


def _budget_value(seconds: float | None) -> float | None:
    """A budget as given: a positive finite number of seconds, or None (0, a negative
    number or infinity mean no budget)."""
    if seconds is None:
        return None
    b = float(seconds)
    return b if 0 < b < math.inf else None


# -- counterexample encoding (JSON-ready, exactly invertible) ---------------------------------


def _encode(value: Any) -> tuple[Any, Any]:
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return [[str(x) for x in row] for row in np.atleast_2d(value).tolist()], "object"
        return value.tolist(), {"ndarray": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, (bool, np.bool_)):
        return bool(value), "bool"
    if isinstance(value, (int, np.integer)):
        return int(value), "int"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return (v if math.isfinite(v) else str(v)), "float"
    if isinstance(value, (list, tuple)):
        pairs = [_encode(v) for v in value]
        return [p[0] for p in pairs], {"list": [p[1] for p in pairs]}
    if isinstance(value, dict):
        pairs = {k: _encode(v) for k, v in value.items()}
        return {k: p[0] for k, p in pairs.items()}, {"dict": {k: p[1] for k, p in pairs.items()}}
    if value is None:
        return None, "none"
    return str(value), "str"


def encode_inputs(inputs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Values as JSON data (arrays as nested lists) and the types needed to decode them.

    Floats go through ``json`` as their shortest round-tripping repr, so decoding gives back
    the very same bits: a replay from ``report.json`` checks exactly the reported example.
    """
    values, types = {}, {}
    for k, v in inputs.items():
        values[k], types[k] = _encode(v)
    return values, types


def _decode(value: Any, typ: Any) -> Any:
    if isinstance(typ, dict) and "ndarray" in typ:
        return np.asarray(value, dtype=np.dtype(typ["ndarray"])).reshape(typ["shape"])
    if isinstance(typ, dict) and "list" in typ:
        return [_decode(v, t) for v, t in zip(value, typ["list"], strict=True)]
    if isinstance(typ, dict) and "dict" in typ:
        return {k: _decode(value[k], t) for k, t in typ["dict"].items()}
    if typ == "float":
        return float(value)
    if typ == "int":
        return int(value)
    if typ == "bool":
        return bool(value)
    if typ == "none":
        return None
    return value


def decode_inputs(values: dict[str, Any], types: dict[str, Any]) -> dict[str, Any]:
    return {k: _decode(values[k], types[k]) for k in values}


# -- one example -----------------------------------------------------------------------------


class _Certified(AssertionError):
    """A certified refutation: ends the Hypothesis search (and is shrunk by it)."""

    def __init__(self, inputs: dict[str, Any], violation: Violation, certificate: str):
        super().__init__(f"{violation.message} [{certificate}]")
        self.inputs = inputs
        self.violation = violation
        self.certificate = certificate


@dataclass
class _Stats:
    examples: int = 0
    #: instances checked (one per unbatched example); the counts below are of instances
    instances: int = 0
    batch_size: int = 1
    premise_met: int = 0
    decided: int = 0
    undecided: int = 0
    uncertified: int = 0
    unmet_reasons: dict[str, int] = field(default_factory=dict)
    undecided_reasons: dict[str, int] = field(default_factory=dict)
    min_margin: float | None = None
    worst_ratio: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    worst_error: dict[str, float] = field(default_factory=dict)
    tight: dict[str, tuple[float, bool]] = field(default_factory=dict)
    confidences: list[dict[str, Any]] = field(default_factory=list)
    figures: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    #: Check.tally name -> category -> how many examples fell in it
    tallies: dict[str, dict[str, int]] = field(default_factory=dict)
    #: a certified failure this small (``_size``) ends the shrinking: the size of the
    #: smallest recorded counterexample (None: shrink as far as Hypothesis goes)
    shrink_goal: int | None = None
    #: the smallest certified failure of the search so far, and the example it came at
    #: (used only with a shrink goal)
    best: Any = None
    failed_at: int = 0
    #: the claim's time budget (seconds) and when it runs out (``time.perf_counter``)
    budget_s: float | None = None
    deadline: float | None = None

    def merge(self, rec: _ExampleRecord) -> None:
        if rec.margins:
            m = min(rec.margins.values())
            self.min_margin = m if self.min_margin is None else min(self.min_margin, m)
        for k, v in rec.ratios.items():
            if k not in self.worst_ratio or v[0] > self.worst_ratio[k][0]:
                self.worst_ratio[k] = v
        for k, v in rec.errors.items():
            self.worst_error[k] = max(self.worst_error.get(k, 0.0), v)
        for k, (v, minimize) in rec.tight.items():
            old = self.tight.get(k)
            if old is None or (v < old[0] if minimize else v > old[0]):
                self.tight[k] = (v, minimize)
        if rec.confidence is not None:
            self.confidences.append(rec.confidence)
        for fig in rec.figures:  # one figure per title: the last example's
            self.figures = [f for f in self.figures if f.title != fig.title] + [fig]
        for n in rec.notes:
            if n not in self.notes:
                self.notes.append(n)
        self.facts.update(rec.facts)
        for name, category in rec.tallies.items():
            tally = self.tallies.setdefault(name, {})
            tally[category] = tally.get(category, 0) + 1


def _certify(c: Claim, inputs: dict[str, Any], v: Violation) -> str | None:
    """How the violation is certified, or None when it cannot be."""
    if v.certificate is not None:
        return v.certificate
    if v.statistical:
        return "statistical: a one-sided Clopper-Pearson bound excludes the claimed probability"
    if c.exact:
        try:
            exact_inputs = {k: to_exact(x) for k, x in inputs.items()}
        except ValueError:
            exact_inputs = None
        if exact_inputs is not None:
            try:
                c.check(Check(exact=True), **exact_inputs)
            except Violation as ev:
                return (
                    "exact: the check re-run on the exact rationals of the inputs fails too "
                    f"({ev.message})"
                )
            except (PremiseUnmet, Undecided):
                return None
            return None
    if v.exact:
        return f"exact: {v.message} (computed without rounding)"
    if v.needs_exact:
        return None
    if v.margin >= CERTIFY_MARGIN:
        return f"margin: fails by {v.margin:.3g} error bounds (>= {CERTIFY_MARGIN:g} required)"
    return None


def _run_example(c: Claim, inputs: Any, stats: _Stats, target: bool) -> None:
    """One Hypothesis example: a dict of inputs (one instance) or a :class:`Batch`."""
    if stats.deadline is not None and time.perf_counter() > stats.deadline:
        # the cooperative stop, between examples: the statistics are those of whole examples
        raise _BudgetExceeded(
            f"time budget of {stats.budget_s:g} s exceeded after {stats.examples} examples "
            "(the search was stopped)"
        )
    stats.examples += 1
    if isinstance(inputs, Batch):
        _run_batch(c, inputs, stats, target)
    else:
        _run_instance(c, inputs, stats, target)


#: a batch re-checks at most this many of its failed instances alone, a sample drawn from
#: the batch's seed; the rest count as undecided (a certified one ends the search)
MAX_RECHECKS = 4


def _run_batch(c: Claim, batch: Batch, stats: _Stats, target: bool) -> None:
    """Every instance of the batch at once (:class:`BatchCheck`); a failed instance is
    taken out and run alone (:func:`_run_instance`): certified there, it ends the search
    with that instance as the counterexample, and Hypothesis shrinks the batch."""
    rec = _ExampleRecord()
    bc = BatchCheck(batch.size, record=rec)
    c.check(bc, **batch.inputs())
    stats.batch_size = max(stats.batch_size, batch.size)
    for why in bc.unmet.values():
        stats.instances += 1
        stats.unmet_reasons[why] = stats.unmet_reasons.get(why, 0) + 1
    for why in bc.undecided.values():
        stats.instances += 1
        stats.premise_met += 1
        stats.undecided += 1
        stats.undecided_reasons[why] = stats.undecided_reasons.get(why, 0) + 1
    decided = int(bc.alive.sum())
    stats.instances += decided
    stats.premise_met += decided
    stats.decided += decided
    stats.merge(rec)
    failed = sorted(bc.failed)
    if len(failed) > MAX_RECHECKS:  # a sample of them, drawn from the batch's own seed
        pick = np.random.default_rng([batch.seed, 7]).choice(len(failed), MAX_RECHECKS, False)
        chosen = {failed[j] for j in pick}
    else:
        chosen = set(failed)
    for i in failed:
        if i in chosen:
            _run_instance(c, batch.instance(i), stats, target=False)
            continue
        stats.instances += 1
        stats.premise_met += 1
        stats.undecided += 1
        stats.uncertified += 1
        key = f"failed in a batch, not re-checked alone: {bc.failed[i]}"
        stats.undecided_reasons[key] = stats.undecided_reasons.get(key, 0) + 1
    if target and decided:
        _target(rec)


def _run_instance(c: Claim, inputs: dict[str, Any], stats: _Stats, target: bool) -> None:
    """One instance through the check (:class:`Check`): its outcome counted in ``stats``; a
    certified failure raises :class:`_Certified`."""
    stats.instances += 1
    rec = _ExampleRecord()
    try:
        c.check(Check(exact=False, record=rec), **inputs)
    except PremiseUnmet as e:
        key = str(e)
        stats.unmet_reasons[key] = stats.unmet_reasons.get(key, 0) + 1
        return
    except Undecided as e:
        stats.premise_met += 1
        stats.undecided += 1
        key = str(e)
        stats.undecided_reasons[key] = stats.undecided_reasons.get(key, 0) + 1
        stats.merge(rec)
        return
    except Violation as v:
        stats.premise_met += 1
        stats.merge(rec)
        note_violation()
        cert = _certify(c, inputs, v)
        if cert is None:
            stats.undecided += 1
            stats.uncertified += 1
            key = f"uncertified failure: {v.message}"
            stats.undecided_reasons[key] = stats.undecided_reasons.get(key, 0) + 1
            return
        raise _Certified(inputs, v, cert) from None
    stats.premise_met += 1
    stats.decided += 1
    stats.merge(rec)
    if target:
        _target(rec)


def _target(rec: _ExampleRecord) -> None:
    """Push the search toward the example's worst ratios and tightness statistics."""
    if rec.ratios or rec.tight:
        from hypothesis import target as hyp_target

        for name, (ratio, _, _) in rec.ratios.items():
            if math.isfinite(ratio):
                hyp_target(ratio, label=name)
        for name, (v, minimize) in rec.tight.items():
            if math.isfinite(v):
                hyp_target(-v if minimize else v, label=name)


# -- the verdict ---------------------------------------------------------------------------


def verdict_from(
    stats: _Stats, *, min_premise_rate: float, refuted: bool, min_decided: int = MIN_DECIDED
) -> tuple[str, float | None]:
    """The verdict of a search that raised nothing unexpected, and the premise rate.

    ``refuted`` wins (certified). Otherwise: ``vacuous`` when the premise rate is below
    ``min_premise_rate`` (or no example met it); ``inconclusive`` when fewer than
    ``min_decided`` examples, or fewer than half of those meeting the premise, were decided;
    else ``holds``.
    """
    rate = stats.premise_met / stats.instances if stats.instances else None
    if refuted:
        return "refuted", rate
    if rate is None or stats.premise_met == 0 or rate < min_premise_rate:
        return "vacuous", rate
    if stats.decided < min(min_decided, stats.premise_met) or stats.decided * 2 < stats.premise_met:
        return "inconclusive", rate
    return "holds", rate


def _search(
    c: Claim, n: int, seed: int, stats: _Stats, *, shrink: bool = True
) -> _Certified | None:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hyp_seed

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=False,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        phases=(Phase.generate, Phase.target) + ((Phase.shrink,) if shrink else ()),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @hyp_seed(seed)
    @given(c.given)
    def search(inputs: dict[str, Any]) -> None:
        best = stats.best
        if best is not None and stats.examples - stats.failed_at >= SHRINK_AFTER_RECORDED:
            raise _ShrinkDone(best)
        try:
            _run_example(c, inputs, stats, target=True)
        except _Certified as hit:
            if stats.shrink_goal is None:
                raise
            if best is None:
                stats.failed_at = stats.examples
            if best is None or _size(hit.inputs) < _size(best.inputs):
                stats.best = hit
            if _size(hit.inputs) <= stats.shrink_goal:
                raise _ShrinkDone(hit) from None
            raise

    try:
        search()
    except _Certified as found:
        return found
    except _ShrinkDone as done:
        return done.found
    return None


#: with a recorded counterexample, the search's own failure is shrunk for at most this many
#: more examples (or until it is no larger than the recorded one): the report shows the
#: smaller of the two, and the recorded one is seldom beaten
SHRINK_AFTER_RECORDED = 50


class _ShrinkDone(BaseException):
    """Shrinking reached a counterexample no larger than the smallest recorded one: the
    search ends there (a BaseException, so Hypothesis lets it through at once)."""

    def __init__(self, found: _Certified) -> None:
        super().__init__("shrunk to the size of the recorded counterexample")
        self.found = found


# -- time budget and a search independent of what else is imported -----------------------------


class _BudgetExceeded(BaseException):
    """The claim's time budget ran out: ends its search (the verdict is ``error``).

    A BaseException, like KeyboardInterrupt: a check's ``except Exception`` does not swallow
    it, and Hypothesis, which takes only Exceptions (and SystemExit, GeneratorExit) for
    failures of the example to shrink, lets it through at once.
    """


def _grace(budget: float) -> float:
    """How long past its budget an example may run before it is interrupted: the
    cooperative stop between examples comes first; a tenth of the budget, at most 30 s."""
    return min(0.1 * budget, 30.0)


@contextlib.contextmanager
def _budget_alarm(stats: _Stats) -> Iterator[None]:
    """Interrupt an example that runs past the budget (plus :func:`_grace`) with SIGALRM.

    Only in the main thread, on platforms with ``signal.setitimer``, and only when no
    earlier timer is pending (its owner, e.g. pytest-timeout, acts first); elsewhere the
    cooperative stop between examples is the only one. The previous handler and timer are
    restored. Code inside a C call (one long SVD) is interrupted once it returns.
    """
    budget, deadline = stats.budget_s, stats.deadline
    if (
        budget is None
        or deadline is None
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    delay = max(deadline + _grace(budget) - time.perf_counter(), 1e-3)
    pending = signal.getitimer(signal.ITIMER_REAL)[0]
    if 0 < pending < delay:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise _BudgetExceeded(
            f"time budget of {budget:g} s exceeded after {stats.examples} examples "
            "(the search was interrupted: an example ran past the budget)"
        )

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, delay)
    started = time.perf_counter()
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, signal.SIG_DFL if old_handler is None else old_handler)
            if old_delay > 0:
                left = old_delay - (time.perf_counter() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), old_interval)


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Run a search without Hypothesis's *local constants*.

    Hypothesis (since 6.131) draws, now and then, a constant found in the source of some
    *local* module already imported (any module outside site-packages and the standard
    library). Which modules those are depends on the command (``rankclaims report --paper``
    imports one paper, ``report`` all four, pytest its own plugins and test helpers), on
    what earlier claims imported lazily, and on whether rankclaims is installed editable: the
    same claim, profile and seed gave other examples, and other verdict statistics. Without
    them, a search depends on the seed and Hypothesis's version only. (Private API of
    Hypothesis: when it moves, this does nothing, and ``tests/test_reproducibility.py``
    says so.)
    """
    try:
        from hypothesis.internal.conjecture import providers

        original = providers._get_local_constants
        cache = providers.CONSTANTS_CACHE.cache
        empty = providers.Constants()
    except (ImportError, AttributeError):  # pragma: no cover - another Hypothesis
        yield
        return
    providers._get_local_constants = lambda: empty
    cache.clear()  # permitted constants computed with the local ones
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


def run_claim(
    c: Claim,
    *,
    profile: str = "quick",
    seed: int = 0,
    device: str = "cpu",
    shrink: bool = True,
    budget_s: float | None = None,
) -> ClaimResult:
    """Check one claim on the given profile and seed; never raises (a crash is ``error``;
    only KeyboardInterrupt goes through).

    Recorded counterexamples are re-checked first; then Hypothesis searches
    (``examples_for(c, profile)`` examples, seeded), shrinking any certified failure to a
    minimal one (``shrink=False``: the first one found, as mutation analysis wants). The
    result carries the verdict, the statistics and the evidence.

    ``budget_s``: the time budget in seconds (None: :func:`budget_for` the claim and
    profile; 0 or infinity: none). A search that exceeds it is stopped, between examples or,
    an example running :func:`_grace` past it, by SIGALRM, and is ``error`` with the reason
    and the statistics gathered so far.
    """
    t0 = time.perf_counter()
    result = ClaimResult(
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
    )
    if device not in DEVICES:
        result.error = f"device={device!r} must be one of {DEVICES}"
        result.notes.append(result.error)
        _timed(result, t0)
        return result
    if "cuda" in c.requires or device == "cuda":
        import torch

        if not torch.cuda.is_available():
            result.verdict = "error" if device == "cuda" else "skipped"
            why = "needs a CUDA device; none is available"
            if device == "cuda":
                why = "--device cuda was asked for, but torch sees no CUDA device"
                result.error = why
            result.notes.append(why)
            _timed(result, t0)
            return result
    # a batched claim declared for the GPU draws and decides on the device; any other runs
    # on the CPU
    result.device = device if c.batched and getattr(c.given, "rankclaims_gpu", False) else "cpu"
    result.batched = c.batched
    if result.device != device:
        result.notes.append(
            f"runs on the CPU: --device {device} applies to batched claims whose check takes "
            "PyTorch tensors (declared gpu=True), and this one "
            + ("is not batched" if not c.batched else "uses NumPy on its values")
        )
    stats = _Stats()
    budget = budget_for(c, profile) if budget_s is None else _budget_value(budget_s)
    result.budget_s = stats.budget_s = budget
    stats.deadline = None if budget is None else t0 + budget
    found: _Certified | None = None
    device_token = batch_device.set(result.device)
    profile_token = batch_profile.set(profile)
    try:
        with _without_local_constants(), _budget_alarm(stats):
            for i, cex in enumerate(c.counterexamples):
                try:
                    _run_example(c, dict(cex), stats, target=False)
                except _Certified as hit:
                    found = found or hit
                    size = _size(hit.inputs)
                    goal = stats.shrink_goal
                    stats.shrink_goal = size if goal is None else min(goal, size)
                else:
                    stats.notes.append(
                        f"REGRESSION: recorded counterexample #{i + 1} no longer refutes the claim"
                    )
            searched = _search(c, examples_for(c, profile), seed, stats, shrink=shrink)
            if searched is not None and shrink and c.batched:
                searched = _simplify(c, searched, stats)
        if searched is not None:
            if found is not None and _size(found.inputs) <= _size(searched.inputs):
                stats.notes.append(
                    "the search found a counterexample of its own (shrunk to size "
                    f"{_size(searched.inputs)}, for at most {SHRINK_AFTER_RECORDED} examples "
                    "after it was found); the one shown is the recorded one, smaller"
                )
            else:
                if found is not None:
                    stats.notes.append(
                        "the search found a counterexample smaller than the recorded one; "
                        "it is the one shown"
                    )
                found = searched
        elif found is not None:
            stats.notes.append(
                "the search did not rediscover a counterexample in "
                f"{examples_for(c, profile)} examples; the one shown is the recorded one"
            )
    except _BudgetExceeded as stop:
        result.error = str(stop)
        result.verdict = "error"
        _fill(result, stats)
        result.notes.insert(0, str(stop))
        _timed(result, t0)
        return result
    except Exception:
        result.error = traceback.format_exc()
        result.verdict = "error"
        _fill(result, stats)
        _timed(result, t0)
        return result
    finally:
        batch_device.reset(device_token)
        batch_profile.reset(profile_token)
    result.verdict, result.premise_rate = verdict_from(
        stats, min_premise_rate=c.min_premise_rate, refuted=found is not None
    )
    _fill(result, stats)
    if found is not None:
        values, types = encode_inputs(found.inputs)
        result.counterexample = values
        result.counterexample_types = types
        result.certificate = found.certificate
        result.notes.insert(0, found.violation.message)
        result.reproduce = f"rankclaims check {shlex.quote(c.id)} --replay REPORT_DIR/report.json"
    _timed(result, t0)
    return result


def _timed(result: ClaimResult, t0: float) -> None:
    """The claim's duration, and the instances it checked per second of it."""
    result.duration_s = time.perf_counter() - t0
    if result.instances and result.duration_s > 0:
        result.instances_per_s = result.instances / result.duration_s


#: how long the entrywise simplification of a batched claim's counterexample may take
SIMPLIFY_S = 20.0


def _simpler(x: Any) -> list[Any]:
    """Simpler values to try for one entry: 0, then, for an integer (or an integral float),
    the integer halfway to 0; for any other float, the nearest integer."""
    v = float(x)
    if v == 0 or not math.isfinite(v):
        return []
    integral = isinstance(x, (np.integer, int)) or v.is_integer()
    if not integral:
        return [0.0, float(round(v))]
    half = int(v / 2)  # toward zero
    out: list[Any] = [0] + ([half] if half != 0 else [])
    return out if isinstance(x, (np.integer, int)) else [float(h) for h in out]


def _simplify(c: Claim, found: _Certified, stats: _Stats) -> _Certified:
    """Simplify a counterexample taken out of a batch, entry by entry.

    Hypothesis shrinks a batch's structure (dimensions, ranks, which instance) but not the
    values of its instance, which come from a seed. So each entry of each array is tried
    at 0, then at simpler values (:func:`_simpler`), and kept when the instance still fails
    *certified* (premises met, the same certification as any failure), until a pass changes
    nothing or :data:`SIMPLIFY_S` (and the claim's budget) runs out.
    """
    best = found
    stop = time.perf_counter() + SIMPLIFY_S
    if stats.deadline is not None:
        stop = min(stop, stats.deadline)
    changed = True
    while changed and time.perf_counter() < stop:
        changed = False
        for key in list(best.inputs):
            val = best.inputs[key]
            if not isinstance(val, np.ndarray) or val.dtype.kind not in "iuf":
                continue
            for idx in np.ndindex(val.shape):
                for cand in _simpler(val[idx]):
                    if time.perf_counter() >= stop:
                        return best
                    arr = val.copy()
                    arr[idx] = cand
                    trial = {**best.inputs, key: arr}
                    try:
                        _run_instance(c, trial, _Stats(), target=False)
                    except _Certified as hit:
                        best, val, changed = hit, arr, True
                        break
                    except Exception:  # a simpler value the check cannot take: keep the old
                        continue
    return best


def _size(inputs: dict[str, Any]) -> int:
    """How big a counterexample is: entries of its arrays (scalars count one)."""

    def size(v: Any) -> int:
        if isinstance(v, np.ndarray):
            return int(v.size)
        if isinstance(v, (list, tuple)):
            return sum(size(x) for x in v)
        if isinstance(v, dict):
            return sum(size(x) for x in v.values())
        return 1

    return size(inputs)


def _fill(result: ClaimResult, stats: _Stats) -> None:
    result.examples = stats.examples
    result.instances = stats.instances
    result.batch_size = stats.batch_size
    result.premise_met = stats.premise_met
    result.premise_rate = stats.premise_met / stats.instances if stats.instances else None
    result.decided = stats.decided
    result.undecided = stats.undecided
    result.min_margin = stats.min_margin
    if stats.worst_ratio:
        name, (ratio, lhs, rhs) = max(stats.worst_ratio.items(), key=lambda kv: kv[1][0])
        result.tightness = {"statistic": name, "worst_ratio": ratio, "lhs": lhs, "rhs": rhs}
    if stats.tight and result.tightness is None:
        name, (v, minimize) = next(iter(stats.tight.items()))
        result.tightness = {
            "statistic": name,
            "worst": v,
            "direction": "min" if minimize else "max",
        }
    if stats.worst_error:
        name, ratio = max(stats.worst_error.items(), key=lambda kv: kv[1])
        result.notes.append(f"identity {name}: worst error {ratio:.3g} of the tolerance")
    if stats.confidences:
        worst = min(stats.confidences, key=lambda d: d["lower"] - d["bound"])
        result.confidence = dict(worst, runs=len(stats.confidences))
    result.figures = list(stats.figures)
    for reason, count in sorted(stats.unmet_reasons.items()):
        result.notes.append(f"premise not met ({count}×): {reason}")
    for reason, count in sorted(stats.undecided_reasons.items(), key=lambda kv: -kv[1])[:5]:
        result.notes.append(f"undecided ({count}×): {reason}")
    result.notes.extend(stats.notes)
    for k, v in stats.facts.items():
        result.notes.append(f"{k}: {v}")
    for name, tally in stats.tallies.items():
        counts = ", ".join(f"{k} ({n}×)" for k, n in sorted(tally.items(), key=lambda kv: -kv[1]))
        result.notes.append(f"{name}: {counts}")
