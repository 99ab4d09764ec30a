"""``rankclaims report``: run the claims of some papers and write the report.

Each claim runs through :func:`rankclaims.claims.run_claim` (the same function ``pytest
claims`` uses), so a crash in one claim becomes its ``error`` verdict, a claim past its time
budget is stopped and is ``error`` too, and the run goes on. Progress goes to ``stream``.

With ``jobs=1`` the run is sequential and in-process. With ``jobs > 1`` the claims are
spread over spawn-context worker processes (:func:`map_in_workers`, one claim per task, at
most ``jobs`` at a time) and merged in declaration order: the report is the sequential one,
timing fields apart (:func:`rankclaims.reports.model.strip_timing`). A worker that dies
(``os._exit``, a segfault, the OOM killer) makes the claim it was running ``error`` with the
reason, and the run goes on in fresh workers.

The report files are written once, atomically, at the end (:func:`publish`). An interrupted
run (Ctrl-C) leaves the previous report in ``out`` untouched: what it gathered goes to
``out/partial/`` with ``not_run`` listing the claims that did not run (the interrupted ones
included), and :class:`RunInterrupted` is raised; a complete run removes a stale
``out/partial/``.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shlex
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rankclaims.reports.model import ClaimResult, Report

if TYPE_CHECKING:
    from rankclaims.claims._core import Claim

__all__ = [
    "DEVICES",
    "RunInterrupted",
    "WorkerDied",
    "check_device",
    "fill_reproduce",
    "find_claim",
    "map_in_workers",
    "outcome_result",
    "publish",
    "resolve_jobs",
    "run_report",
]

#: Devices a run can ask for (``run_claim(device=...)``).
DEVICES = ("cpu", "cuda")


class RunInterrupted(KeyboardInterrupt):
    """A report run stopped by Ctrl-C: ``report`` holds what ran (``report.not_run`` the
    rest), ``paths`` the partial report's files (None when no ``out`` was given)."""

    def __init__(self, report: Report, paths: dict[str, Path] | None) -> None:
        super().__init__(f"interrupted: {len(report.not_run)} claims did not run")
        self.report = report
        self.paths = paths


def fill_reproduce(report: Report, out: Path) -> None:
    """Point every refutation's replay command at the report being written (the path
    shell-quoted: the command runs as written)."""
    target = shlex.quote(str(Path(out) / "report.json"))
    for c in report.claims:
        if c.reproduce:
            c.reproduce = c.reproduce.replace("REPORT_DIR/report.json", target)


def publish(report: Report, out: str | Path, *, partial: bool | None = None) -> dict[str, Path]:
    """Write ``report`` where it belongs: a complete one to ``out``, removing a stale
    partial report; a partial one (``partial``, by default: ``not_run`` is not empty) to
    ``out/partial/``, leaving the complete report in ``out`` as it was. Returns the paths
    written (by kind)."""
    from rankclaims.reports.writers import PARTIAL_DIR, remove_partial, write_report

    out = Path(out)
    partial = bool(report.not_run) if partial is None else partial
    target = out / PARTIAL_DIR if partial else out
    fill_reproduce(report, target)
    paths = write_report(report, target)
    if not partial:
        remove_partial(out)
    return paths


# -- settings shared by the commands -------------------------------------------------------------


def check_device(device: str) -> None:
    """Refuse a device the run cannot use (ValueError): an unknown one, or ``cuda`` where
    PyTorch sees no CUDA device; never fall back to the CPU silently."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            why = (
                "this PyTorch is a CPU-only build"
                if torch.version.cuda is None
                else f"PyTorch (CUDA {torch.version.cuda}) sees no CUDA device"
            )
            raise ValueError(
                f"device cuda was asked for, but torch.cuda.is_available() is False ({why}, "
                f"torch {torch.__version__}); nothing was run: ask for device cpu, or run "
                "where a GPU is visible"
            )


def resolve_jobs(jobs: int | str) -> int:
    """Worker processes for ``jobs``: a positive number as given; 0 or ``"auto"``: every
    core this process may run on (``os.sched_getaffinity``)."""
    if jobs == "auto" or jobs == 0:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not on Linux
            return max(1, os.cpu_count() or 1)
    n = int(jobs)
    if n < 0:
        raise ValueError(f"jobs is a positive number of worker processes, 0 or auto, not {jobs}")
    return n


# -- worker processes ------------------------------------------------------------------------------


def find_claim(cid: str, module: str | None = None) -> Claim:
    """The claim ``cid``, in a process that may not have imported it yet (a spawned worker):
    ``module`` (where the claim was declared) is imported first, then, if the claim is
    still unknown, every paper module."""
    from rankclaims.claims import claims_of
    from rankclaims.claims._core import get_claim, registry

    if cid in registry():
        return get_claim(cid)
    if module and module not in ("__main__", "__mp_main__"):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    if cid not in registry():
        claims_of(None)
    if cid not in registry():
        raise KeyError(
            f"no claim {cid!r} in this worker process: it was declared in {module or '?'}, "
            "which a worker cannot import (declare the claim in an importable module or in "
            "the script run as __main__, or run with one job)"
        )
    return get_claim(cid)


def _run_claim_job(
    cid: str, module: str | None, profile: str, seed: int, budget_s: float | None, device: str
) -> dict[str, Any]:
    """One claim, in a worker process: its result as JSON data (picklable, small)."""
    from rankclaims.claims import run_claim

    c = find_claim(cid, module)
    return run_claim(c, profile=profile, seed=seed, budget_s=budget_s, device=device).to_json()


#: the queue on which a worker process says which task it starts (set by _init_worker)
_STARTED: Any = None


def _init_worker(started: Any, threads: int) -> None:
    global _STARTED
    _STARTED = started
    # the worker's share of the cores: N workers each using every core (PyTorch's intra-op
    # pool, the kernels' SVD threads) oversubscribe them, and the parallel run is slower
    # than the sequential one (measured on 2 cores: 49 s against 45 s)
    os.environ["RANKCLAIMS_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)
    # Ctrl-C at a terminal reaches the whole process group: the parent alone handles it
    # (it writes the partial report and ends the workers).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _task(index: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    if _STARTED is not None:
        _STARTED.put((index, os.getpid()))  # a SimpleQueue writes at once: no feeder thread
    return fn(*args)


@dataclass
class WorkerDied:
    """What :func:`map_in_workers` yields for a task whose worker process died."""

    reason: str


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "the worker process running this claim died"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the worker process running this claim was killed by {name}"
    return f"the worker process running this claim died (exit code {exitcode})"


class _Pool:
    """A spawn-context ProcessPoolExecutor that knows its processes and which task each one
    started (to tell which task's worker died, and to end them on Ctrl-C)."""

    def __init__(self, workers: int) -> None:
        ctx = get_context("spawn")
        self.started_queue = ctx.SimpleQueue()
        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(self.started_queue, max(1, resolve_jobs(0) // workers)),
        )
        self.processes: dict[int, Any] = {}
        #: task index -> pid of the worker that started it
        self.started: dict[int, int] = {}

    def submit(self, index: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> Future[Any]:
        f = self.executor.submit(_task, index, fn, args)
        self.processes.update(getattr(self.executor, "_processes", None) or {})
        return f

    def drain(self) -> None:
        while not self.started_queue.empty():
            index, pid = self.started_queue.get()
            self.started[index] = pid

    def dead(self) -> dict[int, int]:
        """pid -> exit code of the workers that died of their own (after :meth:`close`: a
        broken pool's executor ends the others with SIGTERM)."""
        codes = {pid: p.exitcode for pid, p in self.processes.items()}
        return {pid: c for pid, c in codes.items() if c not in (None, 0, -signal.SIGTERM)}

    def exitcode(self, pid: int | None) -> int | None:
        p = self.processes.get(pid) if pid is not None else None
        return None if p is None else p.exitcode

    def close(self, *, kill: bool = False) -> None:
        self.executor.shutdown(wait=not kill, cancel_futures=True)
        if kill:
            for p in self.processes.values():
                if p.exitcode is None:
                    p.terminate()
        for p in self.processes.values():
            p.join(5)
        self.drain()
        self.started_queue.close()


def map_in_workers(
    fn: Callable[..., Any],
    items: Sequence[Any],
    args_of: Callable[[Any], tuple[Any, ...]],
    jobs: int,
) -> Iterator[tuple[Any, Any]]:
    """Run ``fn(*args_of(item))`` for every item in ``jobs`` spawn-context worker processes
    (``fn`` a picklable top-level function), at most ``jobs`` tasks at a time, in the order
    of ``items``; yield ``(item, outcome)`` as results come in, ``outcome`` being what ``fn``
    returned, the exception it raised, or :class:`WorkerDied` when its worker process died.

    A dead worker breaks the whole pool (BrokenProcessPool: the executor ends the other
    workers): the task that worker had started is :class:`WorkerDied`; the others that were
    running are run again, first, in a fresh pool. When it cannot tell which task killed its
    worker, a task is the culprit if it was the only one running, or on its second broken
    pool. A task that raised KeyboardInterrupt, Ctrl-C in this process, or closing the
    generator early ends every worker (and the first two raise KeyboardInterrupt here).
    """
    pending = deque(range(len(items)))
    workers = max(1, min(jobs, len(pending)))
    strikes = dict.fromkeys(pending, 0)
    while pending:
        pool = _Pool(workers)
        running: dict[Future[Any], int] = {}
        suspects: list[int] = []
        clean = False
        try:
            while pending or running:
                while pending and len(running) < workers and not suspects:
                    i = pending.popleft()
                    running[pool.submit(i, fn, args_of(items[i]))] = i
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                pool.drain()
                for i, f in sorted((running.pop(f), f) for f in done):
                    exc = f.exception()
                    if isinstance(exc, BrokenProcessPool):
                        suspects.append(i)
                    elif isinstance(exc, KeyboardInterrupt):
                        raise KeyboardInterrupt
                    else:
                        yield items[i], (exc if exc is not None else f.result())
            pool.close()
            clean = True
        finally:
            if not clean:
                pool.close(kill=True)
        dead = pool.dead()
        again = []
        for i in suspects:
            strikes[i] += 1
            pid = pool.started.get(i)
            culprit = pid in dead if pid is not None and dead else len(suspects) == 1
            if culprit or strikes[i] >= 2:
                yield items[i], WorkerDied(_death(pool.exitcode(pid)))
            else:
                again.append(i)
        pending.extendleft(reversed(again))


def outcome_result(
    c: Claim, outcome: Any, profile: str, budget_s: float | None, device: str
) -> ClaimResult:
    """The result of a claim run in a worker: what it returned, else an ``error`` result
    (the worker died, or the task raised outside ``run_claim``: the claim not found)."""
    from rankclaims.claims._runner import budget_for

    if isinstance(outcome, dict):
        return ClaimResult.from_json(outcome)
    if isinstance(outcome, WorkerDied):
        message = (
            f"{outcome.reason}; the claim was not run further and its search left no statistics"
        )
    else:
        message = "".join(traceback.format_exception(outcome)).rstrip()
    budget = budget_for(c, profile) if budget_s is None else budget_s
    return ClaimResult(
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
        budget_s=budget if budget and budget < float("inf") else None,
        device=device,
        notes=[message.splitlines()[-1]],
        error=message,
    )


# -- the report run --------------------------------------------------------------------------------

_COLOR = {
    "holds": "32",
    "refuted": "31",
    "vacuous": "33",
    "inconclusive": "90",
    "error": "35",
    "skipped": "37",
}


def progress_line(r: ClaimResult) -> str:
    """``25 examples, 2500 instances, 1,234 instances/s, 2.0 s``: a claim's counts (the
    instances only when they differ from the examples: a batched claim)."""
    from rankclaims.reports._format import fmt_rate

    parts = [f"{r.examples} examples"]
    if r.instances and r.instances != r.examples:
        parts.append(f"{r.instances} instances")
    if r.instances_per_s is not None:
        parts.append(f"{fmt_rate(r.instances_per_s)} instances/s")
    parts.append(f"{r.duration_s:.1f} s")
    return ", ".join(parts)


def run_report(
    papers: list[str] | None = None,
    *,
    profile: str = "quick",
    seed: int = 0,
    out: str | Path | None = None,
    claim_ids: list[str] | None = None,
    stream: TextIO | None = None,
    budget_s: float | None = None,
    jobs: int | str = 1,
    device: str = "cpu",
) -> Report:
    """Run the claims of ``papers`` (all when None), or only ``claim_ids``; write the report
    to ``out`` when given; return it.

    ``budget_s`` is every claim's time budget (None: each claim's own or its profile's; 0:
    none). ``jobs``: worker processes (1: in this process; 0 or ``"auto"``: one per core);
    ``device``: ``"cpu"`` or ``"cuda"`` (ValueError when CUDA is not available). Ctrl-C
    stops the run: the partial report is written to ``out/partial/`` and
    :class:`RunInterrupted` (a KeyboardInterrupt) is raised.
    """
    from rankclaims.claims import claims_of, paper_titles, run_claim
    from rankclaims.claims._runner import examples_for
    from rankclaims.reports.cli import environment

    check_device(device)
    jobs = resolve_jobs(jobs)
    stream = stream if stream is not None else sys.stderr
    claims = claims_of(papers)
    if papers is not None:
        missing = sorted(set(papers) - {c.paper for c in claims})
        if missing:
            raise ValueError(
                f"no claims for paper(s) {', '.join(missing)}; known papers: "
                f"{', '.join(sorted({c.paper for c in claims_of()}))}"
            )
    if claim_ids is not None:
        wanted = set(claim_ids)
        unknown = sorted(wanted - {c.id for c in claims})
        if unknown:
            raise ValueError(
                f"no claim {', '.join(unknown)}"
                + (f" in paper(s) {', '.join(papers)}" if papers is not None else "")
                + " (rankclaims list shows the ids)"
            )
        claims = [c for c in claims if c.id in wanted]
    tty = hasattr(stream, "isatty") and stream.isatty()
    results: dict[str, ClaimResult] = {}
    interrupted = False
    t0 = time.perf_counter()

    def show(r: ClaimResult, head: str) -> None:
        verdict = f"\x1b[{_COLOR[r.verdict]}m{r.verdict}\x1b[0m" if tty else r.verdict
        line = f"{head}: {verdict} ({progress_line(r)})"
        if r.verdict == "error" and r.error and r.error.strip():
            line += f": {r.error.strip().splitlines()[-1]}"  # the exception, or the reason
        stream.write(("\r" if tty else "") + line + "\n")
        stream.flush()

    try:
        if jobs <= 1 or len(claims) <= 1:
            for i, c in enumerate(claims, 1):
                head = f"[{i}/{len(claims)}] {c.paper} {c.label}"
                if tty:
                    stream.write(f"{head} ...")
                    stream.flush()
                r = run_claim(c, profile=profile, seed=seed, budget_s=budget_s, device=device)
                results[c.id] = r
                show(r, head)
        else:
            for c in claims:
                examples_for(c, profile)  # an unknown profile fails before any work

            def args_of(c: Claim) -> tuple[Any, ...]:
                module = getattr(c.check, "__module__", None)
                return (c.id, module, profile, seed, budget_s, device)

            stream.write(f"{len(claims)} claims over {min(jobs, len(claims))} worker processes\n")
            stream.flush()
            tasks = map_in_workers(_run_claim_job, claims, args_of, jobs)
            with contextlib.closing(tasks):
                for c, outcome in tasks:
                    r = outcome_result(c, outcome, profile, budget_s, device)
                    results[c.id] = r
                    show(r, f"[{len(results)}/{len(claims)}] {c.paper} {c.label}")
    except KeyboardInterrupt:
        interrupted = True
        stream.write("\n" if tty else "")
    titles = paper_titles()
    report = Report(
        profile=profile,
        seed=seed,
        environment=environment(),
        claims=[results[c.id] for c in claims if c.id in results],
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        papers={k: titles[k] for k in dict.fromkeys(c.paper for c in claims)},
        not_run=[c.id for c in claims if c.id not in results],
    )
    counts = ", ".join(f"{v} {k}" for k, v in report.summary().items() if v)
    stream.write(f"{len(results)} claims in {time.perf_counter() - t0:.1f} s: {counts}\n")
    if interrupted:
        stream.write(
            f"interrupted: {len(report.not_run)} of {len(claims)} claims did not run: "
            f"{', '.join(report.not_run)}\n"
        )
    paths = None
    if out is not None:
        paths = publish(report, out)
        kind = "partial report" if report.not_run else "report"
        stream.write(f"{kind}: {paths['json']}, {paths['md']}, {paths['html']}\n")
    stream.flush()
    if interrupted:
        raise RunInterrupted(report, paths)
    return report
