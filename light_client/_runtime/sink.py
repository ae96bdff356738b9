"""``Sink``: where a successful answer's body is written instead of memory (a download).

The drivers write into it; ``download.py`` makes one from the file a ``..._to_file`` method is
given. It imports nothing of the runtime, so the request path can name it without a cycle.
"""

from __future__ import annotations

import io
from typing import IO

__all__ = ["Sink"]


class Sink:
    """Where a successful answer's body is written: an open binary file, from the position it
    had when the call began."""

    def __init__(self, file: IO[bytes]) -> None:
        if isinstance(file, io.TextIOBase) or "b" not in getattr(file, "mode", "b"):
            raise TypeError("file must be opened in binary mode ('wb'), not text mode")
        if not (file.writable() and file.seekable()):
            raise TypeError("file must be writable and seekable (a regular file opened 'wb')")
        self.file = file
        self.start = file.tell()

    def restart(self) -> None:
        """Back to where the call began: what an earlier attempt wrote is gone."""
        self.file.seek(self.start)
        self.file.truncate()

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)

    def done(self) -> int:
        """The bytes written, flushed."""
        self.file.flush()
        return self.file.tell() - self.start
