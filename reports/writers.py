"""The report writers: ``report.json``, ``report.md`` and ``report.html`` from one
:class:`~rankclaims.reports.model.Report`.

- :func:`render_json`, :func:`render_markdown`, :func:`render_html` turn a report into text;
  each is deterministic (the same report gives the same bytes) and keeps the report's order
  of claims.
- :func:`write_report` renders all three first and only then writes them, each atomically
  (a temporary file in the same directory, flushed, fsynced and renamed over the old one):
  an interrupted or failing run leaves the previous report whole.
- :func:`read_report` reads ``report.json`` back.
- A partial report (an interrupted run: ``not_run`` lists what did not run) goes to the
  subdirectory :data:`PARTIAL_DIR` of the report directory, beside the last complete report
  (:func:`rankclaims.reports.run.publish`); :func:`remove_partial` removes a stale one.

``report.json`` is strict JSON: a NaN or infinite float anywhere is written as the string
``"nan"``, ``"inf"`` or ``"-inf"`` (:func:`read_report` turns them back into floats in the
numeric fields); arrays and NumPy/PyTorch values are written as (nested) lists of numbers.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ._format import decode_nonfinite, encode_nonfinite, plain
from ._html import render_html
from ._markdown import render_markdown
from .model import Report, support_status

__all__ = [
    "FILENAMES",
    "PARTIAL_DIR",
    "read_report",
    "remove_partial",
    "render_html",
    "render_json",
    "render_markdown",
    "write_report",
]

#: Output kind -> file name in the report directory.
FILENAMES = {"json": "report.json", "md": "report.md", "html": "report.html"}
#: Subdirectory of the report directory that holds the partial report of an interrupted run.
PARTIAL_DIR = "partial"

#: Float fields of a claim entry that may hold "nan"/"inf"/"-inf" in report.json.
_FLOAT_FIELDS = ("premise_rate", "duration_s", "min_margin")
#: Fields of a claim entry holding numeric data in which such strings stand for floats.
_NUMERIC_DATA = ("tightness", "confidence", "counterexample")


def json_data(report: Report) -> dict[str, Any]:
    """``report.to_json()`` as strict-JSON-ready data: plain Python types, non-finite
    floats as strings."""
    return encode_nonfinite(plain(report.to_json(), "report"))


def render_json(report: Report) -> str:
    """``report.json``: the report's JSON data, indented, strict (no NaN/Infinity tokens)."""
    text = json.dumps(
        json_data(report), indent=2, sort_keys=False, allow_nan=False, ensure_ascii=False
    )
    return text + "\n"


def _decode_claim(entry: dict[str, Any]) -> dict[str, Any]:
    entry = dict(entry)
    for key in _FLOAT_FIELDS:
        if isinstance(entry.get(key), str):
            entry[key] = decode_nonfinite(entry[key])
    for key in _NUMERIC_DATA:
        if entry.get(key) is not None:
            entry[key] = decode_nonfinite(entry[key])
    figures = []
    for fig in entry.get("figures", []):
        fig = dict(fig)
        fig["series"] = [
            {
                **s,
                "x": decode_nonfinite(s.get("x", [])),
                "y": decode_nonfinite(s.get("y", [])),
            }
            for s in fig.get("series", [])
        ]
        figures.append(fig)
    entry["figures"] = figures
    return entry


def report_from_json(data: dict[str, Any]) -> Report:
    """A :class:`Report` from the data of ``report.json`` (non-finite strings decoded)."""
    data = dict(data)
    data["claims"] = [_decode_claim(c) for c in data.get("claims", [])]
    return Report.from_json(data)


def read_report(path: str | os.PathLike[str]) -> Report:
    """Read a ``report.json`` (or the directory holding one) back into a :class:`Report`."""
    p = Path(path)
    if p.is_dir():
        p = p / FILENAMES["json"]
    with p.open(encoding="utf-8") as f:
        data = json.load(f)
    return report_from_json(data)


def _write_temp(directory: Path, name: str, text: str) -> Path:
    """``text`` in a new temporary file beside ``directory/name``, flushed to disk."""
    target = directory / name
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        mode = 0o644
    tmp_name = None
    try:
        with tempfile.NamedTemporaryFile(
            dir=directory, prefix=f".{name}.", suffix=".tmp", delete=False
        ) as tmp:
            tmp_name = tmp.name
            tmp.write(text.encode("utf-8"))
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, mode)  # NamedTemporaryFile makes it 0600
    except BaseException:
        if tmp_name is not None:
            _unlink(tmp_name)
        raise
    return Path(tmp_name)


def _unlink(path: str | os.PathLike[str]) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _fsync_dir(directory: Path) -> None:
    """Make the renames durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_report(report: Report, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``report.json``, ``report.md`` and ``report.html`` into ``out_dir`` (created if
    missing) and return their paths by kind (``"json"``, ``"md"``, ``"html"``).

    First fills every claim's ``unsupported_by`` (:func:`support_status`), then renders all
    three files; only when all rendered are they written, each to a temporary file in
    ``out_dir`` that is fsynced and then renamed over the old file. A failure at any point
    leaves the previous report as it was, and no temporary file behind.
    """
    support_status(report.claims)
    texts = {
        "json": render_json(report),
        "md": render_markdown(report),
        "html": render_html(report),
    }
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    temps: dict[str, Path] = {}
    try:
        for kind, text in texts.items():
            temps[kind] = _write_temp(directory, FILENAMES[kind], text)
        paths = {}
        for kind, tmp in temps.items():
            target = directory / FILENAMES[kind]
            os.replace(tmp, target)
            paths[kind] = target
    finally:
        for tmp in temps.values():
            if tmp.exists():
                _unlink(tmp)
    _fsync_dir(directory)
    return paths


def remove_partial(out_dir: str | os.PathLike[str]) -> None:
    """Remove the partial report in ``out_dir/partial/`` (its three files, then the
    directory if that leaves it empty): a complete report supersedes it."""
    directory = Path(out_dir) / PARTIAL_DIR
    for name in FILENAMES.values():
        _unlink(directory / name)
    with contextlib.suppress(OSError):
        directory.rmdir()
