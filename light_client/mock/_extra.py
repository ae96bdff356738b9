"""The ``[mock]`` extra: load the mock server, or say which install command is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from .._core.errors import MissingExtraError, install_command

__all__ = ["INSTALL_HINT", "MockExtraMissingError", "load_server"]

INSTALL_HINT = install_command("mock")
# The top-level modules the mock needs beyond the SDK's own dependencies (the extra's packages).
EXTRA_MODULES = frozenset({"jsonschema", "openapi_core", "werkzeug"})


class MockExtraMissingError(MissingExtraError):
    """The Light mock was used without its extra installed: the ``MissingExtraError`` of
    ``[mock]`` (so also a ``LightError`` and a ``ModuleNotFoundError``)."""


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
        raise MockExtraMissingError("the Light mock", extra="mock", module=error.name) from error
