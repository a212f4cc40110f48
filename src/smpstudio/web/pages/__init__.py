"""The studio's pages: one module per area; :mod:`.routers` lists them, :mod:`.access` holds their entries
of the route table."""
