"""Downloads: a document answer (a PDF) written to a file as it arrives, not held in memory.

The generated ``<method>_to_file`` methods call these. ``file`` is a path or an open binary
file. A path is written through a temporary ``.<name>.<random>.part`` file next to it and
renamed when the whole answer is in, so a failed or interrupted call never leaves a partial file
under the name asked for, and two downloads to one path never mix. An open file (binary,
writable, seekable: checked before anything is sent) is written from the position it has when
the call begins; an attempt that is retried starts there again, and a call that fails leaves
the file as it found it. The call's limit is ``max_download_bytes``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .operation import AsyncRequester, Operation, SyncRequester
from .sink import Sink

__all__ = ["FileTarget", "adownload", "download"]

FileTarget = str | os.PathLike[str] | IO[bytes]


@contextmanager
def _sink(file: FileTarget) -> Iterator[Sink]:
    """A sink for ``file``; a path is written through a temporary file renamed at the end."""
    if not isinstance(file, str | os.PathLike):
        sink = Sink(file)
        try:
            yield sink
        except BaseException:
            sink.restart()  # a call that fails leaves the file as it found it
            raise
        return
    path = Path(file)
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as opened:
            yield Sink(opened)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


async def adownload(
    request: AsyncRequester,
    operation: Operation[Any],
    path_arguments: tuple[object, ...],
    params: Mapping[str, Any],
    file: FileTarget,
) -> int:
    """Write the answer of ``operation`` into ``file``; the number of bytes written."""
    with _sink(file) as sink:
        await request(operation, path_arguments, params, sink=sink)
        return sink.done()


def download(
    request: SyncRequester,
    operation: Operation[Any],
    path_arguments: tuple[object, ...],
    params: Mapping[str, Any],
    file: FileTarget,
) -> int:
    """Like ``adownload``, blocking."""
    with _sink(file) as sink:
        request(operation, path_arguments, params, sink=sink)
        return sink.done()
