"""The JSON API under ``/api/v1``: one module per resource; :mod:`.routers` lists them, :mod:`.access`
holds their entries of the route table."""

#: Where the API lives; every API router is made with this prefix.
API_PREFIX = "/api/v1"
