"""Side-by-side benchmarks of smpstudio against its peers: ``python -m benchmarks [NAME ...] [--json]``."""
