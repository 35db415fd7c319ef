"""The schema-evolution check: breaking changes fail unless marked intended."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from journeygraph.execution.evolution import ROOT, check, compare

OLD = """
type Query { journey(id: ID!): Journey, journeys(first: Int): [Journey!]! }
type Journey { id: ID!, name: String!, version: Int! }
"""


def test_a_removed_field_a_changed_type_and_a_new_required_argument_are_breaking():
    new = """
    type Query { journey(id: ID!): Journey, journeys(first: Int, status: String!): [Journey!]! }
    type Journey { id: ID!, version: String! }
    """
    report = compare(OLD, new)

    assert not report.ok
    assert "FIELD_REMOVED: Field Journey.name was removed." in report.breaking
    assert "FIELD_CHANGED_KIND: Field Journey.version changed type from Int! to String!." in report.breaking
    assert "REQUIRED_ARG_ADDED: A required argument Query.journeys(status:) was added." in report.breaking


def test_additions_are_not_breaking():
    new = OLD.replace("version: Int!", "version: Int!, description: String")
    assert compare(OLD, new).ok


def test_a_breaking_change_marked_intended_passes():
    new = OLD.replace("name: String!, ", "")
    report = compare(OLD, new, {"FIELD_REMOVED: Field Journey.name was removed."})
    assert report.ok and report.intended == ["FIELD_REMOVED: Field Journey.name was removed."]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)  # fmt: skip


def test_the_check_compares_with_the_previous_commit(tmp_path: Path):
    (tmp_path / "schema").mkdir()
    schema_file = tmp_path / "schema" / "schema.graphql"
    schema_file.write_text(OLD)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "v1")
    schema_file.write_text(OLD.replace("name: String!, ", ""))
    _git(tmp_path, "commit", "-qam", "v2 drops a field")

    revision, report = check(root=tmp_path)
    assert revision == "HEAD~1" and report.breaking == ["FIELD_REMOVED: Field Journey.name was removed."]

    (tmp_path / "schema" / "intended-breaking-changes.txt").write_text(
        "# shipped in 2.0\nFIELD_REMOVED: Field Journey.name was removed.\n"
    )
    assert check(root=tmp_path)[1].ok


def test_the_committed_schema_has_no_unintended_breaking_change_since_the_previous_commit():
    probe = subprocess.run(["git", "rev-parse", "HEAD~1"], cwd=ROOT, capture_output=True)
    if probe.returncode != 0:
        pytest.skip("not a git checkout with a previous commit (a shallow clone?); nothing to compare with")
    run = subprocess.run(
        [sys.executable, "-m", "journeygraph.cli", "schema-check"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
