"""The root of the SDK's errors, and the two raised by the layers under the runtime.

``LightError`` lives here, at the bottom, so that the rate limiter and the checks of what a
caller hands the SDK can raise it too. ``light_client._runtime.errors`` draws the whole tree.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DISTRIBUTION",
    "InvalidArgumentError",
    "LightError",
    "MissingExtraError",
    "install_command",
]

# The name to `pip install`: the distribution, which is not the import package's name.
DISTRIBUTION = "light-inc"


def install_command(extra: str) -> str:
    """``pip install 'light-inc[redis]'``: the command that installs an extra."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"


class LightError(Exception):
    """The root of every error raised by light-client.

    Errors can be pickled (to cross a ``ProcessPoolExecutor``) and copied. A pickle keeps every
    attribute but ``request`` and ``response``, whose headers hold the credential: those come
    back as ``None``.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        state = {k: v for k, v in self.__dict__.items() if k not in _NOT_PICKLED}
        dropped = sorted(_NOT_PICKLED & self.__dict__.keys())
        return _restore, (type(self), str(self), state, dropped)


_NOT_PICKLED = frozenset({"request", "response"})


def _restore(
    cls: type[LightError], message: str, state: dict[str, Any], dropped: list[str]
) -> LightError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state, **dict.fromkeys(dropped))
    return error


class InvalidArgumentError(LightError, ValueError):
    """An argument the SDK was given has the right type but a value it cannot use: an id that
    is not a UUID, a field that does not fit the request's schema, ``max_retries=-1``.

    Nothing was sent. Also a ``ValueError``, as before; a value of the wrong type is still a
    ``TypeError``. A web app that turns ``LightError`` into an answer catches it: it is the
    caller's mistake (a 400 or 422 of yours), not Light's.
    """


class MissingExtraError(LightError, ModuleNotFoundError):
    """A feature was used without the extra that installs what it needs.

    ``extra`` is the extra's name (``"redis"``, ``"aiohttp"``, ``"mock"``), ``name`` the module
    that is missing; the message ends with the command that installs it. Also a
    ``ModuleNotFoundError`` (so an ``ImportError``).
    """

    def __init__(self, feature: str, *, extra: str, module: str | None) -> None:
        missing = f" ({module} is not installed)" if module else ""
        super().__init__(
            f"{feature} needs the [{extra}] extra{missing}: {install_command(extra)}",
            name=module,
        )
        self.extra = extra
