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
