"""The operator's command line.

python -m service {serve,worker,migrate,create-key,list-keys,revoke-key,openapi}
"""

import argparse
import gc
import json
import logging
import logging.config
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from socket import socket
from types import FrameType

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from service import logs
from service.accounts import service as accounts_service
from service.app import create_app
from service.config import Settings, get_settings
from service.db import migrate
from service.db.session import Database
from service.interviews import planning as interviews_planning


def _now() -> datetime:
    return datetime.now(UTC)


def serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    _migrate(settings)
    # uvicorn's access log prints raw paths, feed tokens included; the app logs its own lines.
    config = uvicorn.Config(
        "service.cli:served_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level,
        log_config=logs.config(settings.log_level, settings.log_format),
        access_log=False,
        # The app applies X-Forwarded-* itself, from FORWARDED_ALLOW_IPS (service.http.proxies).
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_seconds / 2)),
        workers=settings.web_concurrency,
    )
    if config.workers > 1:
        _Workers(config, [config.bind_socket()], settings.shutdown_grace_seconds).run()
    else:
        _Server(config, settings.shutdown_grace_seconds).run()
    return 0


def served_app() -> FastAPI:
    """The application as `serve` runs it, in each worker process."""
    app = create_app()
    # What is loaded by now (the service's modules, their libraries, the table and schema
    # definitions) lives as long as the process: the collector need not scan it again and
    # again, which was a tenth of a create's time.
    gc.freeze()
    return app


class _Workers(Multiprocess):
    """uvicorn's worker processes (WEB_CONCURRENCY), sure to stop within the grace period: the
    supervisor passes SIGTERM on, each worker finishes what it holds within half of it, and a
    worker still running when the grace period is over is killed."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket], grace_seconds: float) -> None:
        super().__init__(config, sockets)
        self.grace_seconds = grace_seconds

    def join_all(self) -> None:
        deadline = time.monotonic() + self.grace_seconds
        for worker in self.processes:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.exitcode is None:
                logging.getLogger("service").error(
                    "stopping: worker %s still busy after the grace period; killing it", worker.pid
                )
                worker.kill()
                worker.join()


class _Server(uvicorn.Server):
    """uvicorn's server, sure to stop within the grace period once asked: requests in flight
    get half of it, and whatever still waits then (a thread stuck on a database that stopped
    answering, the app's shutdown) the rest, before the process exits regardless."""

    def __init__(self, config: uvicorn.Config, grace_seconds: float) -> None:
        super().__init__(config)
        self.grace_seconds = grace_seconds

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            deadline = threading.Timer(self.grace_seconds, _exit_now)
            deadline.daemon = True
            deadline.start()
        super().handle_exit(sig, frame)


def _exit_now() -> None:
    logging.getLogger("service").error("stopping: still busy after the grace period; exiting")
    logging.shutdown()
    os._exit(1)


def _migrate(settings: Settings) -> None:
    """Bring the schema up to date, then render any calendar events older rows lack."""
    migrate.upgrade(settings.database_url)
    db = Database(settings, deadlines=False)  # one transaction, as long as the events take
    try:
        interviews_planning.render_missing_events(db, _now())
    finally:
        db.dispose()


def worker(_args: argparse.Namespace) -> int:
    """Deliver webhooks apart from the HTTP servers, until SIGTERM or SIGINT."""
    import signal

    from service.webhooks.worker import Worker

    settings = get_settings()
    logging.config.dictConfig(logs.config(settings.log_level, settings.log_format))
    _migrate(settings)
    db = Database(settings)
    delivering = Worker(db, settings)
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    delivering.start()
    logging.getLogger("service.webhooks").info("webhook worker %s started", delivering.name)
    stop.wait()
    delivering.stop(settings.shutdown_grace_seconds / 2)
    db.dispose()
    return 0


def migrate_schema(_args: argparse.Namespace) -> int:
    _migrate(get_settings())
    print("database schema is up to date")
    return 0


def create_key(args: argparse.Namespace) -> int:
    settings = get_settings()
    migrate.upgrade(settings.database_url)
    db = Database(settings)
    try:
        key = accounts_service.create_key(db, args.account, _now())
    finally:
        db.dispose()
    print(f"New API key for account {args.account!r}; it is shown only once:", file=sys.stderr)
    print(key)
    return 0


def list_keys(args: argparse.Namespace) -> int:
    db = Database(get_settings())
    try:
        keys = accounts_service.list_keys(db, args.account)
    finally:
        db.dispose()
    print(f"{'KEY ID':<14} {'ACCOUNT':<24} {'CREATED':<20} STATUS")
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        created = f"{key.created_at:%Y-%m-%d %H:%M}"
        print(f"{key.public_id:<14} {key.account_name:<24} {created:<20} {state}")
    return 0


def revoke_key(args: argparse.Namespace) -> int:
    public_id = args.key_id.removeprefix("ifk_").split("_", 1)[0]
    db = Database(get_settings())
    try:
        revoked = accounts_service.revoke_key(db, public_id, _now())
    finally:
        db.dispose()
    if not revoked:
        print(f"no active key with id {public_id!r}", file=sys.stderr)
        return 1
    print(f"revoked key {public_id}")
    return 0


def openapi(args: argparse.Namespace) -> int:
    spec = create_app(Settings(database_url="sqlite://")).openapi()
    text = json.dumps(spec, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("serve", help="apply migrations, then serve HTTP")
    run.add_argument("--host", help="interface to bind (default: HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default: PORT or 8000)")
    run.set_defaults(handler=serve)

    commands.add_parser(
        "worker", help="deliver webhooks (servers also do, unless WEBHOOK_WORKER=false)"
    ).set_defaults(handler=worker)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=migrate_schema
    )

    create = commands.add_parser("create-key", help="create an account if needed and a new API key")
    create.add_argument("account", metavar="ACCOUNT_NAME")
    create.set_defaults(handler=create_key)

    listing = commands.add_parser("list-keys", help="list API keys (never the secrets)")
    listing.add_argument("--account", help="only this account's keys")
    listing.set_defaults(handler=list_keys)

    revoke = commands.add_parser("revoke-key", help="revoke an API key by its id or the key itself")
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.set_defaults(handler=revoke_key)

    spec = commands.add_parser("openapi", help="print the OpenAPI spec")
    spec.add_argument("--output", "-o", help="write to this file instead of stdout")
    spec.set_defaults(handler=openapi)

    args = parser.parse_args(argv)
    if args.command == "create-key" and not 1 <= len(args.account.strip()) <= 100:
        parser.error("ACCOUNT_NAME must be 1 to 100 characters")
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
