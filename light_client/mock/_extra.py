"""The ``[mock]`` extra: load the mock server, or say which install command is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["INSTALL_HINT", "MockExtraMissingError", "load_server"]

INSTALL_HINT = "pip install 'light-inc[mock]'"
# The top-level modules the mock needs beyond the SDK's own dependencies (the extra's packages).
EXTRA_MODULES = frozenset({"openapi_core", "werkzeug"})


class MockExtraMissingError(ModuleNotFoundError):
    """The Light mock was used without its extra installed."""


def load_server() -> ModuleType:
    """``light_client.mock._server``, or ``MockExtraMissingError`` naming the install command.

    Only a missing package of the extra is translated; any other import error is a bug and is
    raised as it is.
    """
    try:
        return importlib.import_module("light_client.mock._server")
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] not in EXTRA_MODULES:
            raise
        raise MockExtraMissingError(
            f"the Light mock needs the [mock] extra ({error.name} is not installed): "
            f"{INSTALL_HINT}",
            name=error.name,
        ) from error
