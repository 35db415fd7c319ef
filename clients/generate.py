"""Generate the typed clients from schema/schema.graphql and clients/queries/*.graphql.

    python clients/generate.py           # rewrite clients/python and clients/typescript/src/operations.ts
    python clients/generate.py --check   # generate into a temporary copy; exit 1 if anything differs

The Python client comes from ariadne-codegen, installed in a virtualenv of its
own under .journeygraph-tools/ (it pins graphql-core below the version the
server needs). The TypeScript types come from @graphql-codegen, installed from
clients/typescript/package-lock.json. Run from the repository root.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".journeygraph-tools"
ARIADNE = "ariadne-codegen==0.19.0"
TYPESCRIPT = ROOT / "clients" / "typescript"
GENERATED = ("clients/python/journeygraph_client", "clients/typescript/src/operations.ts")


def _ariadne() -> Path:
    """The ariadne-codegen command, installed on first use."""
    home = TOOLS / ARIADNE.replace("==", "-")
    command = home / "bin" / "ariadne-codegen"
    if not command.exists():
        venv.create(home, with_pip=True)
        _run([home / "bin" / "pip", "install", "-q", ARIADNE], ROOT)
    return command


def _npm_ready() -> None:
    if not (TYPESCRIPT / "node_modules" / ".bin" / "graphql-codegen").exists():
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], TYPESCRIPT)


def generate(root: Path) -> None:
    """Write both clients under `root` (a copy of the repository layout)."""
    python_client = root / "clients" / "python"
    shutil.rmtree(python_client / "journeygraph_client", ignore_errors=True)
    python_client.mkdir(parents=True, exist_ok=True)
    _run([_ariadne(), "client", "--config", "clients/ariadne-codegen.toml"], root)
    _npm_ready()
    # Run where its plugins are installed, on the schema, queries and output under `root`.
    config = json.loads((TYPESCRIPT / "codegen.json").read_text())
    config["schema"] = str(root / "schema" / "schema.graphql")
    config["documents"] = str(root / "clients" / "queries" / "*.graphql")
    config["generates"] = {
        str(root / "clients" / "typescript" / "src" / name): options
        for name, options in ((Path(k).name, v) for k, v in config["generates"].items())
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=TYPESCRIPT) as written:
        json.dump(config, written)
        written.flush()
        _run([TYPESCRIPT / "node_modules" / ".bin" / "graphql-codegen", "--config", written.name], TYPESCRIPT)


def _run(command: list[Any], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{done.stdout}\n{done.stderr}")


def _differences(left: Path, right: Path) -> list[str]:
    if left.is_file() or right.is_file():
        same = left.is_file() and right.is_file() and filecmp.cmp(left, right, shallow=False)
        return [] if same else [str(left.relative_to(ROOT))]
    compared = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [str((left / name).relative_to(ROOT)) for name in compared.left_only + compared.right_only]
    found += [str((left / name).relative_to(ROOT)) for name in compared.diff_files]
    for name in compared.common_dirs:
        found += _differences(left / name, right / name)
    return found


def check() -> list[str]:
    """Files whose committed content differs from a fresh generation."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch)
        for part in ("schema/schema.graphql", "clients/queries", "clients/ariadne-codegen.toml"):
            source, target = ROOT / part, copy / part
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy(source, target)
        (copy / "clients" / "typescript" / "src").mkdir(parents=True)
        generate(copy)
        return [d for part in GENERATED for d in _differences(ROOT / part, copy / part)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed clients are stale")
    if parser.parse_args().check:
        stale = check()
        for path in stale:
            print(f"stale: {path} (run python clients/generate.py)", file=sys.stderr)
        return 1 if stale else 0
    generate(ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
