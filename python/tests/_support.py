"""What the test modules share: where the data, R's fixtures and the command line are, and how
to ask the command line for its JSON.

The CLI comparisons call ``target/release/survkit`` (``cargo build --release`` at the repository
root; set SURVKIT_CLI to use another binary) and are skipped, saying so, when it is missing
(an error instead when SURVKIT_REQUIRE_CLI is set, as CI does).
"""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASETS = ROOT / "datasets"
CLI = pathlib.Path(os.environ.get("SURVKIT_CLI", ROOT / "target" / "release" / "survkit"))
REFERENCE = ROOT / "tests" / "reference"

if not CLI.exists() and os.environ.get("SURVKIT_REQUIRE_CLI"):
    raise RuntimeError(f"SURVKIT_REQUIRE_CLI is set but the command line {CLI} is missing")
needs_cli = pytest.mark.skipif(
    not CLI.exists(), reason=f"the command line {CLI} is missing: run `cargo build --release` at the repository root"
)


def cli_json(*args):
    out = subprocess.run([str(CLI), *args, "--format", "json"], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout)


def close(a, b, rel):
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b)) or abs(a - b) <= 1e-12
