"""Downloads: a document answer (a PDF) written to a file as it arrives, not held in memory.

The generated ``<method>_to_file`` methods call these. ``file`` is a path or an open binary
file. A path is written through ``<name>.part`` next to it and renamed when the whole answer
is in, so a failed or interrupted call never leaves a partial file under the name asked for.
An open file is written from its start (it is truncated first, and again for each attempt
that is retried).
The call's limit is ``max_download_bytes``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .operation import AsyncRequester, Operation, SyncRequester

__all__ = ["FileTarget", "adownload", "download"]

FileTarget = str | os.PathLike[str] | IO[bytes]


@contextmanager
def _into(target: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A ``.part`` file next to ``target``, renamed to it when the block ends without error."""
    path = Path(target)
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as sink:
            yield sink
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


async def adownload(
    request: AsyncRequester,
    operation: Operation[Any],
    path_arguments: tuple[object, ...],
    params: Mapping[str, Any],
    file: FileTarget,
) -> int:
    """Write the answer of ``operation`` into ``file``; the number of bytes written."""
    if not isinstance(file, str | os.PathLike):
        await request(operation, path_arguments, params, sink=file)
        return file.tell()
    with _into(file) as sink:
        await request(operation, path_arguments, params, sink=sink)
        return sink.tell()


def download(
    request: SyncRequester,
    operation: Operation[Any],
    path_arguments: tuple[object, ...],
    params: Mapping[str, Any],
    file: FileTarget,
) -> int:
    """Like ``adownload``, blocking."""
    if not isinstance(file, str | os.PathLike):
        request(operation, path_arguments, params, sink=file)
        return file.tell()
    with _into(file) as sink:
        request(operation, path_arguments, params, sink=sink)
        return sink.tell()
