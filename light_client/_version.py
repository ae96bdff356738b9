"""The package's version: pyproject.toml's, written here too so that import reads no metadata
(importlib.metadata costs more than the rest of the package's own modules).
``tests/client/test_client.py`` checks that the two agree."""

__all__ = ["__version__"]

__version__ = "0.1.0"
