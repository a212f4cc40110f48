"""Queries of the clinic records, one module per area: the services call these and hold no SQL."""
