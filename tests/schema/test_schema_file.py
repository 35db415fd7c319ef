"""The committed schema file matches the code, and contains the public contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from journeygraph.execution.executable import export_sdl

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"

# What the contract has that the schema does not have yet (nothing now).
PENDING: set[str] = set()


def test_committed_schema_matches_the_code():
    committed = (ROOT / "schema" / "schema.graphql").read_text()

    assert committed == export_sdl(), (
        "schema/schema.graphql is stale: run `journeygraph export-schema > schema/schema.graphql`"
    )


def test_schema_contains_the_contract_apart_from_the_pending_part():
    checker = SHARED / "tools" / "check_contract.py"
    if not checker.exists():
        pytest.skip(f"the shared contract tools are not beside this checkout ({checker})")

    result = subprocess.run(
        [
            sys.executable,
            str(checker),
            str(ROOT / "schema" / "schema.graphql"),
            str(SHARED / "contract.graphql"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    differences = {line for line in result.stdout.splitlines() if not line.startswith("contract:")}
    assert differences - PENDING == set()
