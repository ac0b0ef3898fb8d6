from __future__ import annotations

import textwrap
from pathlib import Path

import os
import tempfile

import pytest
from hypothesis import settings

# In CI, property tests use a fixed seed so a red build can be reproduced;
# locally they explore new cases on every run.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The parse cache of every run the tests make (in process and in subprocesses) goes to one
# folder of this session, never the user's own cache: tests share it, so most of them also
# exercise reading from it.
os.environ["IMSCHECK_CACHE_DIR"] = tempfile.mkdtemp(prefix="imscheck-test-cache-")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

MINIMAL_IMS = """\
organisation: {id: acme, name: Acme Hosting Ltd}
units:
  - {id: ops, name: Operations}
  - {id: dev, name: Development}
management_systems:
  - id: qms
    standard: "ISO9001:2015"
    scope: {statement: Hosting services, units: [ops, dev]}
  - id: isms
    standard: "ISO27001:2022"
    scope: {statement: Hosting platform, units: [ops]}
"""


def with_minimal(extra: str) -> str:
    return MINIMAL_IMS + textwrap.dedent(extra)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run_cli(*args: str):
    """Run the CLI in-process; the result has exit_code, stdout and stderr."""
    from typer.testing import CliRunner

    from imscheck.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def repo_dir() -> Path:
    return REPO
