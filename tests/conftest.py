from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dicom_mosaic.cli import main


@dataclass
class CliRun:
    code: int
    out: str
    err: str


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    path.mkdir()
    return path


@pytest.fixture
def cli(capsys):
    """Run ``dicom-mosaic`` in-process: returns exit code and captured output."""

    def run(*args: object) -> CliRun:
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run
