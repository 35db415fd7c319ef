"""The `journeygraph` command: serve, migrate, create-workspace, create-key, demo-data, export-schema, schema-check.

Every command reads the same settings as `serve` (JOURNEYGRAPH_* variables), so
several commands in a row, and `serve` after them, see the same database.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import signal
import sys
import uuid
import zoneinfo
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from journeygraph import demo, migrations
from journeygraph.core.principal import Scope
from journeygraph.core.settings import Settings, SettingsError
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.enums import JourneyStatus
from journeygraph.db.queries import rollups, workspaces
from journeygraph.demo_events import load_demo_events
from journeygraph.embedded import resolve_url
from journeygraph.net import is_loopback
from journeygraph.spread import create_loads_file

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

DEMO_EVENTS = 20_000
# The demo key and the journey GraphiQL opens with; only on the embedded database.
DEMO_FILE = "demo.json"


class CliError(Exception):
    """A problem with the command's input; printed without a traceback, exit status 2."""


def _with_sessions(url: str, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[Any]]) -> Any:
    """Run `work` with a session factory on a fresh engine."""

    async def run() -> Any:
        engine = create_engine(url, pool_size=2)
        try:
            return await work(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _in_session(url: str, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """Run `work` in one committed transaction on a fresh engine."""

    async def run(sessions: async_sessionmaker[AsyncSession]) -> Any:
        async with sessions.begin() as session:
            return await work(session)

    return _with_sessions(url, run)


def _demo_events(url: str, workspace_id: uuid.UUID, journeys: list[Any], count: int) -> None:
    """Simulated events for the published journeys, through the normal ingestion."""
    live = [j.id for j in journeys if j.status == JourneyStatus.PUBLISHED]
    result = _with_sessions(url, lambda sessions: load_demo_events(sessions, workspace_id, live, count))
    _with_sessions(url, rollups.fold_all)
    print(f"demo events: {result.accepted} accepted over the last 90 days", file=sys.stderr)


def _ready_url(settings: Settings) -> str:
    url = resolve_url(settings.database_url, settings.data_dir)
    migrations.upgrade(url)
    return url


def _parse_uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CliError(f"{what} {value!r} is not a workspace id (a UUID)") from None


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    _ready_url(settings)
    print("database is at the latest migration")


def cmd_create_workspace(settings: Settings, args: argparse.Namespace) -> None:
    try:
        zoneinfo.ZoneInfo(args.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CliError(
            f"--time-zone {args.time_zone!r} is not an IANA time zone (e.g. Europe/Paris)"
        ) from None
    currency = args.currency.upper()
    if len(currency) != 3 or not currency.isalpha():
        raise CliError(f"--currency {args.currency!r} is not an ISO 4217 code (e.g. EUR)")
    url = _ready_url(settings)
    workspace = _in_session(
        url, lambda s: workspaces.create_workspace(s, args.name, args.time_zone, currency)
    )
    print(workspace.id)


def cmd_create_key(settings: Settings, args: argparse.Namespace) -> None:
    workspace_id = _parse_uuid(args.workspace, "--workspace")
    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    unknown = [s for s in scopes if s not in Scope._value2member_map_]
    if unknown or not scopes:
        raise CliError(f"--scopes takes a comma-separated list of read, write, ingest; got {args.scopes!r}")
    url = _ready_url(settings)

    async def work(session: AsyncSession) -> str:
        if await workspaces.get_workspace(session, workspace_id) is None:
            raise CliError(f"no workspace with id {workspace_id}")
        return await workspaces.create_api_key(session, workspace_id, scopes)

    key = _in_session(url, work)
    print("API key (shown once, stored only as a hash):", file=sys.stderr)
    print(key)


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> None:
    if args.events < 0:
        raise CliError(f"--events must be 0 or more, got {args.events}")
    url = _ready_url(settings)
    if args.workspace is None:
        workspace_id, key, journeys = _in_session(url, demo.create_demo_workspace)
        print(f"demo workspace {workspace_id}, API key (shown once): {key}", file=sys.stderr)
    else:
        workspace_id = _parse_uuid(args.workspace, "--workspace")

        async def work(session: AsyncSession) -> Any:
            if await workspaces.get_workspace(session, workspace_id) is None:
                raise CliError(f"no workspace with id {workspace_id}")
            return await demo.create_demo_journeys(session, workspace_id)

        journeys = _in_session(url, work)
    _demo_events(url, workspace_id, journeys, args.events)
    for journey in journeys:
        print(f"{journey.id}\t{journey.status.value}\t{journey.name}")


def cmd_rebuild_rollups(settings: Settings, args: argparse.Namespace) -> None:
    url = _ready_url(settings)

    async def work(session: AsyncSession) -> list[tuple[uuid.UUID, int]]:
        if args.workspace is not None:
            targets = [_parse_uuid(args.workspace, "--workspace")]
            if await workspaces.get_workspace(session, targets[0]) is None:
                raise CliError(f"no workspace with id {targets[0]}")
        else:
            targets = await rollups.workspace_ids(session)
        return [(target, await rollups.rebuild(session, target)) for target in targets]

    rebuilt = _in_session(url, work)
    _with_sessions(
        url, rollups.fold_all
    )  # the requeued events folded (a server would, too, in the background)
    for workspace_id, events in rebuilt:
        print(f"{workspace_id}\t{events} events")


def cmd_export_schema(settings: Settings, args: argparse.Namespace) -> None:
    from journeygraph.execution.executable import export_sdl

    sys.stdout.write(export_sdl())


def cmd_schema_check(settings: Settings, args: argparse.Namespace) -> None:
    import subprocess

    from journeygraph.execution.evolution import INTENDED_FILE, check

    try:
        revision, report = check(args.base)
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        raise CliError(
            f"cannot read the schema at {args.base or 'the previous commit'} from git: {error}"
        ) from None
    for line in report.intended:
        print(f"intended  {line}")
    for line in report.dangerous:
        print(f"dangerous {line}")
    for line in report.breaking:
        print(f"BREAKING  {line}")
    if not report.ok:
        print(
            f"journeygraph: {len(report.breaking)} breaking change(s) since {revision}; if intended, "
            f"add the lines above (without 'BREAKING') to {INTENDED_FILE}",
            file=sys.stderr,
        )
        raise SystemExit(1)
    print(f"no unintended breaking changes since {revision}")


def _demo_on_first_start(settings: Settings, url: str) -> demo.Demo | None:
    """On the embedded database: create the demo workspace once, and return what GraphiQL pre-fills."""
    if not settings.embedded:
        return None
    demo_file: Path = settings.data_dir / DEMO_FILE
    if not demo_file.exists():

        async def create(session: AsyncSession) -> demo.Demo | None:
            if await workspaces.any_workspace(session):
                return None  # someone set this database up by hand: leave it alone
            workspace_id, key, journeys = await demo.create_demo_workspace(session)
            made.extend([workspace_id, journeys])
            return demo.Demo(key=key, query=demo.CANVAS_QUERY, variables={"journeyId": str(journeys[0].id)})

        made: list[Any] = []
        created: demo.Demo | None = _in_session(url, create)
        if created is None:
            return None
        _demo_events(url, made[0], made[1], DEMO_EVENTS)
        demo_file.write_text(
            json.dumps({"key": created.key, "variables": created.variables}, indent=2) + "\n"
        )
        demo_file.chmod(0o600)
    saved = json.loads(demo_file.read_text())
    today = datetime.now(UTC).date()
    variables = demo.canvas_variables(saved["variables"]["journeyId"], today)
    return demo.Demo(key=saved["key"], query=demo.CANVAS_QUERY, variables=variables)


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from journeygraph.app import WORKER_DEMO, WORKER_LOADS, WORKER_URL, create_app
    from journeygraph.observability import configure_logging

    configure_logging()
    url = resolve_url(settings.database_url, settings.data_dir) if args.no_migrate else _ready_url(settings)
    demo_state = _demo_on_first_start(settings, url)
    if demo_state is not None:
        shared = args.share_demo_key or is_loopback(args.host)
        demo_state = dataclasses.replace(demo_state, share_key=shared)
    address = f"http://{args.host}:{args.port}/graphql"
    print(f"journeygraph: GraphiQL at {address}", file=sys.stderr)
    if demo_state is not None:
        print(f"journeygraph: demo API key {demo_state.key}", file=sys.stderr)
    # uvicorn shuts down gracefully on SIGTERM (what `docker stop` and most supervisors send),
    # then raises it again under the handler it found. Python's default would end the process
    # there, skipping exit handlers, and the embedded PostgreSQL would be left running; as an
    # exit instead, its handle stops it like after Ctrl-C.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # The app logs each request as one JSON line (journeygraph.request); uvicorn's access log would repeat it.
    if args.workers == 1:
        uvicorn.run(
            create_app(settings, url, demo_state),
            host=args.host,
            port=args.port,
            log_level="info",
            access_log=False,
        )
        return
    # Several processes: each imports the app and builds its own engine and folder.
    os.environ[WORKER_URL] = url
    if demo_state is not None:
        os.environ[WORKER_DEMO] = json.dumps(dataclasses.asdict(demo_state))
    # Each worker's requests in progress, so a crowded one sends connections on (journeygraph/spread.py).
    loads = create_loads_file()
    os.environ[WORKER_LOADS] = str(loads)
    try:
        uvicorn.run(
            "journeygraph.app:worker_app",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level="info",
            access_log=False,
        )
    finally:
        loads.unlink(missing_ok=True)


def _workers(value: str) -> int:
    try:
        workers = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--workers must be a whole number, got {value!r}") from None
    if not 1 <= workers <= 64:
        raise argparse.ArgumentTypeError(f"--workers must be 1 to 64, got {workers}")
    return workers


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="journeygraph", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve /graphql, /healthz and /readyz")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--share-demo-key",
        action="store_true",
        help="pre-fill the demo key in GraphiQL even when serving beyond loopback (anyone who opens it gets it)",
    )
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="server processes (default 1); one per core serves the most requests a second",
    )
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not apply migrations first (several replicas: run `journeygraph migrate` once instead)",
    )
    serve.set_defaults(run=cmd_serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=cmd_migrate)

    workspace = commands.add_parser("create-workspace", help="create a workspace and print its id")
    workspace.add_argument("name")
    workspace.add_argument("--time-zone", default="UTC")
    workspace.add_argument("--currency", default="USD")
    workspace.set_defaults(run=cmd_create_workspace)

    key = commands.add_parser("create-key", help="create an API key and print it once")
    key.add_argument("--workspace", required=True)
    key.add_argument("--scopes", default="read", help="comma-separated: read,write,ingest")
    key.set_defaults(run=cmd_create_key)

    demo_data = commands.add_parser(
        "demo-data", help="load demo journeys (into a new demo workspace by default)"
    )
    demo_data.add_argument("--workspace")
    demo_data.add_argument(
        "--events", type=int, default=DEMO_EVENTS, help=f"how many events (default {DEMO_EVENTS})"
    )
    demo_data.set_defaults(run=cmd_demo_data)

    rebuild = commands.add_parser("rebuild-rollups", help="recompute the rollups from the raw events")
    rebuild.add_argument("--workspace", help="only this workspace (default: all)")
    rebuild.set_defaults(run=cmd_rebuild_rollups)

    commands.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(run=cmd_export_schema)

    evolution = commands.add_parser(
        "schema-check", help="fail on breaking changes of schema/schema.graphql since a git revision"
    )
    evolution.add_argument("--base", help="git revision to compare with (default: the previous commit)")
    evolution.set_defaults(run=cmd_schema_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `journeygraph` script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        args.run(settings, args)
    except (CliError, SettingsError) as error:
        print(f"journeygraph: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
