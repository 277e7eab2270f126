"""Shared fixtures: the repository, the command-line tool (to compare with), shared data."""

import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def shared_data(relative):
    """A file of the project's shared data: ../shared/data beside the repository, or
    $IONSIM_DATA_DIR. Skips the test when it is absent (fails under IONSIM_REQUIRE_DATA=1)."""
    root = os.environ.get("IONSIM_DATA_DIR") or str(REPO.parent / "shared" / "data")
    path = pathlib.Path(root) / relative
    if not path.exists():
        message = f"missing data file {path} (the project's shared data; set IONSIM_DATA_DIR)"
        if os.environ.get("IONSIM_REQUIRE_DATA") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return str(path)


@pytest.fixture
def cli(tmp_path):
    """Runs the command-line tool; returns (exit code, stdout, stderr)."""
    binary = os.environ.get("IONSIM_BINARY") or str(REPO / "build" / "ionsim")

    def run(*args):
        r = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, cwd=tmp_path)
        return r.returncode, r.stdout, r.stderr

    return run


def read_json(path):
    with open(path) as f:
        return json.load(f)
