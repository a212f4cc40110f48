"""`smp studio`: serve the clinic's web studio and its JSON API.

``--demo`` first fills a new store with a demo clinic (what ``make run`` does) and prints its logins;
``--worker`` runs one ``smp worker`` child beside the web server and stops it when the studio stops.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from smpstudio.cli.common import err, run, settings
from smpstudio.errors import InputError
from smpstudio.settings import Settings, env_name

if TYPE_CHECKING:
    from smpstudio.services.context import ServiceContext

__all__ = ["register", "start_worker", "stop_worker"]

#: How long the studio waits for its worker to finish the jobs in hand when it stops. [s]
WORKER_STOP_S = 70.0

#: Uvicorn's own loggers plus the studio's access log, on stderr.
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO"},
        "uvicorn.error": {"level": "INFO"},
        "smpstudio.web": {"handlers": ["stderr"], "level": "INFO"},
    },
}


def _store_exists(config: Settings) -> bool:
    from smpstudio.errors import SmpError
    from smpstudio.services.database import database_state

    try:
        database_state(config)
    except SmpError as exc:
        if exc.code == "store_missing":
            return False
        raise
    return True


def _seed_demo(config: Settings) -> None:
    """Fill a new store in the data directory with the demo clinic, unless one is there."""
    from smpstudio.services.context import open_context
    from smpstudio.services.demo_store import seed_demo_store

    if _store_exists(config):
        err.print(f"using the store in {config.data_dir}")
        return
    with err.status("creating the demo clinic store ..."):
        ctx = open_context(config, create=True)
        try:
            seed_demo_store(ctx)
        finally:
            ctx.db.close()
    err.print(f"created a demo clinic store in {config.data_dir}")


def _print_demo_logins() -> None:
    from smpstudio.services.demo_store import DEMO_LOGINS

    typer.echo("Demo logins (as the demo store was made):")
    for login in DEMO_LOGINS:
        typer.echo(f"  {login.role:<13} {login.email:<26} {login.password:<22} {login.clinic}")


def studio(
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="The port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Worker processes (each opens the store).")
    ] = 1,
    demo: Annotated[
        bool, typer.Option("--demo", help="Fill a new store with the demo clinic first and print its logins.")
    ] = False,
    worker: Annotated[
        bool,
        typer.Option(
            "--worker",
            help="Also run one background worker (`smp worker`) beside the web server, and stop it.",
        ),
    ] = False,
) -> None:
    """Serve the studio: the clinic's pages and the JSON API (/api/v1/, OpenAPI at /api/v1/openapi.json)."""
    config = settings()
    if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::") and "*" not in config.allowed_hosts:
        config = config.model_copy(update={"allowed_hosts": f"{config.allowed_hosts},{host}"})
    if config.rules is not None:
        run(lambda: _refuse_rules())
    if demo:
        run(lambda: _seed_demo(config))
    from smpstudio.services.context import open_context
    from smpstudio.web.secret import load_or_create_secret

    context = run(lambda: open_context(config))
    secret = run(lambda: load_or_create_secret(config.data_dir))
    url = f"http://{host if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{port}/"
    if demo:
        _print_demo_logins()
    typer.echo(f"smpstudio is serving {url}  (stop with Ctrl-C)")
    logging.getLogger("smpstudio.web").setLevel(logging.INFO)
    child = start_worker(config) if worker else None
    try:
        _serve(config, context, secret, host, port, workers)
    finally:
        if child is not None:
            stop_worker(child)


def _serve(
    config: Settings, context: ServiceContext, secret: bytes, host: str, port: int, workers: int
) -> None:
    import uvicorn

    from smpstudio.web.app import create_app

    if workers == 1:
        app = create_app(config, context, secret)
        uvicorn.run(app, host=host, port=port, access_log=False, log_config=LOG_CONFIG, proxy_headers=True)
        return
    context.db.close()
    for name, value in config.model_dump(exclude_none=True).items():
        os.environ[env_name(name)] = str(value)
    uvicorn.run(
        "smpstudio.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=LOG_CONFIG,
        proxy_headers=True,
    )


def _settings_env(config: Settings) -> dict[str, str]:
    """This process's environment with the studio's settings as ``SMP_*`` variables (its own ``SMP_*``
    variables replaced: the child sees exactly the studio's settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMP_") or k == "SMP_BACKUP_PASSPHRASE"}
    for name, value in config.model_dump(exclude_none=True).items():
        env[env_name(name)] = str(value)
    return env


def start_worker(config: Settings) -> subprocess.Popen[bytes]:
    """Start ``smp worker`` as a child process over the studio's settings (same data directory, store and
    queue); its log goes to the studio's stderr."""
    command = [sys.executable, "-m", "smpstudio.cli.main", "worker"]
    child = subprocess.Popen(command, env=_settings_env(config), stdin=subprocess.DEVNULL)
    err.print(f"started the background worker (process {child.pid})", highlight=False)
    return child


def stop_worker(child: subprocess.Popen[bytes], timeout_s: float = WORKER_STOP_S) -> int:
    """Stop the worker child: SIGTERM (it finishes the jobs in hand), then a kill after ``timeout_s``
    seconds; returns its exit status."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    err.print(f"stopped the background worker (process {child.pid})", highlight=False)
    return int(child.returncode)


def _refuse_rules() -> None:
    raise InputError(
        "the studio takes the clinics' rules from the store, not a rules file",
        field="rules",
        allowed="no --rules or SMP_RULES; an owner sets the clinic's rules on the Settings page",
    )


def register(app: typer.Typer) -> None:
    """Add ``smp studio`` to the command line."""
    app.command("studio")(studio)
