"""The ``rankclaims`` command: version, help, environment block, self-check."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from rankclaims import __version__
from rankclaims.reports.cli import environment, main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"rankclaims {__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "usage: rankclaims" in out
    assert "selfcheck" in out


def test_env_block_names_versions(capsys):
    env = environment()
    assert env["numpy"] == np.__version__
    assert env["rankclaims"] == __version__
    assert main(["env"]) == 0
    assert np.__version__ in capsys.readouterr().out


def test_selfcheck_passes(capsys):
    assert main(["selfcheck"]) == 0
    out = capsys.readouterr().out
    assert "self-check passed" in out
    assert "equal to the exact rank: True" in out


def test_python_m_rankclaims_runs_the_cli():
    proc = subprocess.run(
        [sys.executable, "-m", "rankclaims", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"rankclaims {__version__}"


def test_unknown_command_is_refused():
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2


def test_run_options_of_the_commands(capsys):
    """``--jobs`` on report and mutate; ``--device`` on report and check (mutation analysis
    takes no device)."""
    helps = {}
    for command in ("report", "check", "mutate"):
        with pytest.raises(SystemExit) as exc:
            main([command, "--help"])
        assert exc.value.code == 0
        helps[command] = capsys.readouterr().out
    assert "--jobs N" in helps["report"] and "--jobs N" in helps["mutate"]
    assert "--jobs" not in helps["check"]
    assert "--device {cpu,cuda}" in helps["report"] and "--device {cpu,cuda}" in helps["check"]
    assert "--device" not in helps["mutate"]
