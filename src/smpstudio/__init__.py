"""smpstudio: an open-source studio for scalp micropigmentation (SMP).

The package is layered: a pure core (``design``, ``render``) of functions over arrays and plain
data, ``services`` that join the core into use cases, and thin faces (``cli``) over the services.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
