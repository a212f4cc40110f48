"""The job queue: a huey instance built from :class:`~smpstudio.settings.Settings`.

Without ``queue_url`` the queue is a SQLite file beside the clinic store (``data_dir/queue.sqlite3``,
created 0600 before SQLite opens it; its write-ahead files take the same mode), synced to disk on every
commit so a queued job survives a crash. With ``queue_url = "redis://..."`` it is Redis, for a studio
whose web servers and workers run on several machines. The queue keeps no result (``results=False``):
a job's state and result live in the store (:mod:`smpstudio.services.jobs`).

Huey's ``immediate`` mode (tasks run at once, in memory) is for the unit tests of task bodies only; no
face sets it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from huey import Huey, RedisHuey, SqliteHuey

from smpstudio.errors import InputError
from smpstudio.settings import Settings

__all__ = ["QUEUE_FILE", "QUEUE_NAME", "build_queue", "queue_location"]

if TYPE_CHECKING:
    from smpstudio.services.context import ServiceContext
    from smpstudio.worker.tasks import Tasks

#: The queue's file in the data directory.
QUEUE_FILE = "queue.sqlite3"
#: The queue's name in its storage (a Redis server may hold other applications' queues).
QUEUE_NAME = "smpstudio"
#: URL schemes of a Redis queue.
REDIS_SCHEMES = ("redis", "rediss", "unix")
_PRIVATE_FILE, _PRIVATE_DIR = 0o600, 0o700


def queue_location(settings: Settings) -> str:
    """Where the settings' queue is, for people: the Redis URL without its password, or the file."""
    if settings.queue_url:
        parts = urlsplit(settings.queue_url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"
    return str(settings.data_dir / QUEUE_FILE)


def _private_file(path: Path) -> None:
    """Create ``path`` empty and 0600 (its folder 0700 when new) unless it exists; make it 0600 anyway."""
    if not path.parent.exists():
        path.parent.mkdir(_PRIVATE_DIR, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), _PRIVATE_FILE)
    try:
        os.fchmod(fd, _PRIVATE_FILE)
    finally:
        os.close(fd)


def build_queue(
    settings: Settings,
    *,
    immediate: bool = False,
    opener: Callable[[Settings], ServiceContext] | None = None,
) -> Tasks:
    """The huey queue the settings name, with the studio's tasks registered on it (:mod:`.tasks`).

    ``immediate`` runs each task when it is enqueued, in this process, with an in-memory queue: for the
    unit tests of task bodies only. ``opener`` builds the context the tasks run in (the settings' store by
    default).
    """
    from smpstudio.worker.tasks import install

    huey: Huey
    if settings.queue_url:
        scheme = urlsplit(settings.queue_url).scheme
        if scheme not in REDIS_SCHEMES:
            raise InputError(
                f"a {scheme or 'schemeless'} queue URL is not supported",
                field="queue_url",
                allowed="redis://HOST:PORT/DB, rediss://... or unix://PATH (none: a file in data_dir)",
            )
        huey = RedisHuey(QUEUE_NAME, url=settings.queue_url, results=False, immediate=immediate)
    else:
        path = settings.data_dir / QUEUE_FILE
        if not immediate:
            _private_file(path)
        huey = SqliteHuey(QUEUE_NAME, filename=str(path), results=False, fsync=True, immediate=immediate)
    return install(huey, settings, opener)
