"""The background worker (``smp worker``): a face over the services that runs the studio's background work
from a huey job queue kept beside the store (a SQLite file in the data directory, or Redis with
``SMP_QUEUE_URL``): the jobs users ask for (backups, exports, preview renders) and the periodic reminder
sweep. :mod:`.queue` builds the queue from the settings; :mod:`.tasks` holds the tasks."""
