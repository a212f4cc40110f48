"""Clinic records: the storage layer (models, migrations, store, audit trail, files) and the rules it applies.

Nothing here creates an engine at import; :func:`smpstudio.records.store.open_store` is the factory.
"""
