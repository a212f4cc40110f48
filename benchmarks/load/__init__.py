"""The studio under load: a busy clinic's store, ``smp studio --workers N`` over it, and locust
driving 50 simulated staff: ``python -m benchmarks.load`` (``make load``). A benchmark, not a test."""
