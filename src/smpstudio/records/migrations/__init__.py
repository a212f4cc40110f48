"""Alembic migrations of the records store (run through :mod:`smpstudio.records.store`)."""
