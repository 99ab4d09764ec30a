"""The ``rankclaims`` command."""

from __future__ import annotations

import argparse
import platform
import sys

from rankclaims import __version__


def environment() -> dict[str, str]:
    """Versions and devices: the environment block of every report."""
    import numpy
    import scipy
    import torch

    cuda = torch.cuda.is_available()
    return {
        "rankclaims": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "torch": torch.__version__,
        "cuda": torch.cuda.get_device_name(0) if cuda else "not available",
        "cpu_threads": str(torch.get_num_threads()),
    }


def _env(_: argparse.Namespace) -> int:
    for key, value in environment().items():
        print(f"{key:12} {value}")
    return 0


def _selfcheck(_: argparse.Namespace) -> int:
    """Decide a few ranks whose answers are known exactly, on every available backend."""
    import numpy as np
    import torch

    from rankclaims import kernels as rk

    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, size=(64, 6, 3)).astype(np.float64)
    a = x @ rng.integers(-3, 4, size=(64, 3, 6))  # rank <= 3, exactly (small integers)
    exact = rk.exact_rank(a)
    backends = {"numpy": a, "torch-cpu": torch.from_numpy(a)}
    if torch.cuda.is_available():
        backends["torch-cuda"] = torch.from_numpy(a).cuda()
    ok = True
    for name, arr in backends.items():
        # NumPy's default threshold max(m,n) eps sigma_1 lies within the SVD's error for such
        # small matrices; rtol = 1e-10 is far from both the zeros and the nonzero values.
        d = rk.matrix_rank(arr, rtol=1e-10, return_decision=True)
        ranks = np.asarray(d.rank.cpu() if hasattr(d.rank, "cpu") else d.rank)
        decided = np.asarray(d.decided.cpu() if hasattr(d.decided, "cpu") else d.decided)
        agree = bool((ranks == exact).all()) and bool(decided.all())
        margin = float(d.margin.min())
        ok &= agree
        print(
            f"{name:11} 64 integer 6x6 matrices of rank <= 3, rtol 1e-10: all decided and "
            f"equal to the exact rank: {agree}; smallest margin {margin:.3g}"
        )
    b = rng.standard_normal((30, 800))
    c = rng.standard_normal((30, 800))
    d = rk.khatri_rao_rank(b, c, return_decision=True)
    print(
        f"khatri_rao_rank(30x800, 30x800) = {int(d.rank)} by {d.method}, "
        f"margin {float(d.margin):.3g}"
    )
    ok &= int(d.rank) == 800
    print("self-check passed" if ok else "SELF-CHECK FAILED")
    return 0 if ok else 1


def _report(args: argparse.Namespace) -> int:
    from rankclaims.reports.run import RunInterrupted, run_report

    try:
        report = run_report(
            args.paper or None,
            profile=args.profile,
            seed=args.seed,
            out=args.out,
            claim_ids=args.claim or None,
            budget_s=args.budget,
            jobs=args.jobs,
            device=args.device,
        )
    except RunInterrupted as stop:
        # run_report has listed the claims that did not run and where the partial report is
        print(
            f"interrupted: {len(stop.report.not_run)} claims did not run; the last complete "
            f"report in {args.out} is intact",
            file=sys.stderr,
        )
        return 130
    except KeyboardInterrupt:
        print("interrupted: no report written; the previous one is intact", file=sys.stderr)
        return 130
    except ValueError as exc:
        print(f"rankclaims report: {exc}", file=sys.stderr)
        return 2
    return 1 if report.summary()["error"] else 0


def _mutate(args: argparse.Namespace) -> int:
    from rankclaims.reports.mutate import run_mutation
    from rankclaims.reports.run import resolve_jobs

    try:
        report = run_mutation(
            args.paper or None,
            profile=args.profile,
            seed=args.seed,
            out=args.out,
            claim_ids=args.claim or None,
            jobs=resolve_jobs(args.jobs),
        )
    except KeyboardInterrupt:
        print("interrupted: no report written; the previous one is intact", file=sys.stderr)
        return 130
    except ValueError as exc:
        print(f"rankclaims mutate: {exc}", file=sys.stderr)
        return 2
    ms = report.mutation_summary()
    unexplained = [s for s in (ms or {}).get("survivors", []) if not s.get("explanation")]
    return 1 if report.summary()["error"] or unexplained else 0


def _list(args: argparse.Namespace) -> int:
    from rankclaims.claims import claims_of

    for c in claims_of(args.paper or None):
        print(
            f"{c.id:45} {c.kind:18} {c.label}"
            + (" [known refutation]" if c.expect == "refuted" else "")
            + (f" [known {c.expect}]" if c.expect in ("inconclusive", "vacuous") else "")
        )
    return 0


def _check(args: argparse.Namespace) -> int:
    """Run one claim, or replay the counterexample a report recorded for it."""
    import json

    from rankclaims.claims import claims_of, decode_inputs, get_claim, run_claim
    from rankclaims.claims._core import Check, PremiseUnmet, Undecided, Violation
    from rankclaims.claims._runner import _certify
    from rankclaims.reports.run import check_device

    try:
        check_device(args.device)
    except ValueError as exc:
        print(f"rankclaims check: {exc}", file=sys.stderr)
        return 2
    claims_of(None)
    try:
        c = get_claim(args.claim)
    except KeyError as exc:
        print(f"rankclaims check: {exc.args[0]}", file=sys.stderr)
        return 2
    if args.replay:
        with open(args.replay, encoding="utf-8") as fh:
            data = json.load(fh)
        entry = next((e for e in data["claims"] if e["id"] == c.id), None)
        if entry is None or entry.get("counterexample") is None:
            print(
                f"rankclaims check: {args.replay} has no counterexample for {c.id}", file=sys.stderr
            )
            return 2
        inputs = decode_inputs(entry["counterexample"], entry["counterexample_types"])
        try:
            c.check(Check(), **inputs)
        except Violation as v:
            cert = _certify(c, inputs, v)
            if cert is None:
                print(f"{c.id}: the example fails ({v.message}) but cannot be certified")
                return 1
            print(f"{c.id}: refuted by the recorded counterexample: {v.message}\n  {cert}")
            return 0
        except (PremiseUnmet, Undecided) as e:
            print(f"{c.id}: the recorded example no longer refutes ({type(e).__name__}: {e})")
            return 1
        print(f"{c.id}: the recorded example no longer refutes the claim")
        return 1
    r = run_claim(c, profile=args.profile, seed=args.seed, budget_s=args.budget, device=args.device)
    print(
        f"{c.id} ({c.label}): {r.verdict}; {r.examples} examples, premise rate "
        f"{r.premise_rate}, {r.decided} decided, {r.undecided} undecided, {r.duration_s:.2f} s"
    )
    if r.counterexample is not None:
        print(f"  counterexample: {json.dumps(r.counterexample)}\n  certificate: {r.certificate}")
    for n in r.notes:
        print(f"  {n}")
    if r.error:
        print(r.error)
    return 0 if r.verdict == c.expect else 1


def _bench(args: argparse.Namespace) -> int:
    from rankclaims.reports.bench import BenchError, run_bench

    try:
        run_bench(
            device=args.device,
            sizes=args.sizes,
            quick=args.quick,
            claims=args.claim or None,
            profile=args.profile,
            run_claims=not args.no_claims,
            out=args.json,
        )
    except BenchError as exc:
        print(f"rankclaims bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: no benchmark JSON written", file=sys.stderr)
        return 130
    return 0


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of sizes like 8,16,32") from None
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: sizes are positive integers")
    return sizes


def _add_bench_parser(sub) -> None:
    from rankclaims.claims import PROFILES

    p = sub.add_parser(
        "bench",
        help="time the rank kernels and a fixed claim workload against NumPy and PyTorch "
        "in one run and print the ratios",
    )
    p.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        default="cpu",
        help="where rankclaims and torch run (NumPy always runs on the CPU); default: cpu",
    )
    p.add_argument(
        "--quick", action="store_true", help="sizes up to 128, small batches, fewer repeats"
    )
    p.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        metavar="N,N,...",
        help="matrix sizes (default: 8,16,...,1024; --quick: 8,...,128)",
    )
    p.add_argument(
        "--claim",
        action="append",
        metavar="ID",
        help="claim id of the workload (repeatable); default: a fixed list of fast claims",
    )
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="quick",
        help="Hypothesis profile of the claim workload (default: quick)",
    )
    p.add_argument("--no-claims", action="store_true", help="time the kernels only")
    p.add_argument("--json", metavar="PATH", help="also write every number to PATH (atomically)")
    p.set_defaults(func=_bench)


def _add_run_options(p: argparse.ArgumentParser, *, device: bool = True) -> None:
    from rankclaims.claims import PROFILES

    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="quick",
        help="Hypothesis examples per claim (quick: CI; thorough: long searches); default: quick",
    )
    p.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed of every claim's search (default: 0)"
    )
    if device:
        p.add_argument(
            "--device",
            choices=("cpu", "cuda"),
            default="cpu",
            help="where the kernels and the batched generators run (default: cpu); cuda "
            "without a CUDA device is refused (exit 2), never run on the CPU instead",
        )


def _jobs(text: str) -> int:
    if text == "auto":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: jobs is 0 (auto), auto or positive")
    return value


def _add_jobs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="worker processes, one claim per task (default: 1, in this process; 0 or auto: "
        "one per core)",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a budget is 0 (none) or positive seconds")
    return value


def _add_budget_option(p: argparse.ArgumentParser) -> None:
    from rankclaims.claims._runner import BUDGETS

    defaults = ", ".join(f"{k} {v:g} s" for k, v in BUDGETS.items())
    p.add_argument(
        "--budget",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="time budget of every claim: a search past it is stopped and reported as error "
        f"(0: none; default: the claim's own, else the profile's: {defaults})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rankclaims",
        description="Executable, property-tested claims of ML-theory papers about ranks.",
    )
    parser.add_argument("--version", action="version", version=f"rankclaims {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("env", help="print versions and devices (the report's environment block)")
    p.set_defaults(func=_env)
    p = sub.add_parser(
        "selfcheck",
        help="decide known ranks on every available backend (NumPy, PyTorch CPU, CUDA)",
    )
    p.set_defaults(func=_selfcheck)
    p = sub.add_parser("report", help="run the claims and write report.json, .md and .html")
    p.add_argument(
        "--paper",
        action="append",
        metavar="KEY",
        help="paper key (repeatable); default: every paper",
    )
    p.add_argument(
        "--claim",
        action="append",
        metavar="ID",
        help="claim id (repeatable): run only these; default: every claim of the papers",
    )
    _add_run_options(p)
    _add_budget_option(p)
    _add_jobs_option(p)
    p.add_argument(
        "--out",
        default="reports/latest",
        metavar="DIR",
        help="output directory (default: reports/latest); an interrupted run writes its "
        "partial report to DIR/partial/ and leaves DIR's report as it was",
    )
    p.set_defaults(func=_report)
    p = sub.add_parser("list", help="list the declared claims")
    p.add_argument("--paper", action="append", metavar="KEY")
    p.set_defaults(func=_list)
    p = sub.add_parser("check", help="run one claim, or replay a reported counterexample")
    p.add_argument("claim", metavar="CLAIM_ID", help="e.g. sankar2018/corollary-2")
    _add_run_options(p)
    _add_budget_option(p)
    p.add_argument(
        "--replay",
        metavar="REPORT_JSON",
        help="re-check the counterexample recorded for the claim in this report",
    )
    p.set_defaults(func=_check)
    p = sub.add_parser(
        "mutate",
        help="mutation analysis: run false variants of every claim that holds and report "
        "how many the search kills",
    )
    p.add_argument("--paper", action="append", metavar="KEY", help="paper key (repeatable)")
    p.add_argument("--claim", action="append", metavar="ID", help="claim id (repeatable)")
    _add_run_options(p, device=False)  # mutate_claim takes no device
    _add_jobs_option(p)
    p.add_argument(
        "--out",
        default="reports/latest",
        metavar="DIR",
        help="output directory of the report with the mutation column (default: reports/latest)",
    )
    p.set_defaults(func=_mutate)
    _add_bench_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
