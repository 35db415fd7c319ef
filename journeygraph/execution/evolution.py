"""Breaking changes between two versions of the exported schema.

`journeygraph schema-check` compares `schema/schema.graphql` with its version at
a git revision (by default the previous commit, or HEAD while the file has
uncommitted changes) and fails on any breaking change — a removed type or
field, a changed type, a new required argument or input field — unless the
change's description is listed in `schema/intended-breaking-changes.txt`.
Dangerous changes (an added enum value, a changed default) are printed but do
not fail.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from graphql import build_schema, find_breaking_changes, find_dangerous_changes

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = "schema/schema.graphql"
INTENDED_FILE = "schema/intended-breaking-changes.txt"


@dataclass(frozen=True)
class Report:
    breaking: list[str]
    dangerous: list[str]
    intended: list[str]  # breaking, but listed as intended

    @property
    def ok(self) -> bool:
        return not self.breaking


def compare(old_sdl: str, new_sdl: str, intended: set[str] | frozenset[str] = frozenset()) -> Report:
    """The changes from `old_sdl` to `new_sdl`; breaking ones listed in `intended` do not count."""
    old, new = build_schema(old_sdl), build_schema(new_sdl)
    breaking = [f"{change.type.name}: {change.description}" for change in find_breaking_changes(old, new)]
    dangerous = [f"{change.type.name}: {change.description}" for change in find_dangerous_changes(old, new)]
    return Report(
        breaking=[b for b in breaking if b not in intended],
        dangerous=dangerous,
        intended=[b for b in breaking if b in intended],
    )


def intended_changes(path: Path) -> set[str]:
    """Lines of the intended-changes file, without comments and blanks."""
    if not path.exists():
        return set()
    lines = (line.strip() for line in path.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def default_base(root: Path = ROOT) -> str:
    """HEAD while the schema file has uncommitted changes, else the commit before HEAD."""
    changed = _git(root, "status", "--porcelain", "--", SCHEMA_FILE).strip()
    return "HEAD" if changed else "HEAD~1"


def check(base: str | None = None, root: Path = ROOT) -> tuple[str, Report]:
    """Compare the working schema file of the repository at `root` with the one at `base`."""
    revision = base or default_base(root)
    old = _git(root, "show", f"{revision}:{SCHEMA_FILE}")
    report = compare(old, (root / SCHEMA_FILE).read_text(), intended_changes(root / INTENDED_FILE))
    return revision, report
