"""Prism (Stoplight's OpenAPI mock server) serving an OpenAPI document, for the conformance run.

``with prism(document) as base_url:`` installs the pinned Prism on first use (``npm ci --prefix
tools/prism``, the version of tools/prism/package-lock.json), starts ``prism mock`` on a free
loopback port in static mode (answers built from the document's examples and schemas, the same on
every run), waits until it listens, and stops it when the block ends, exceptions included. Prism's
output goes to a temporary log file (a pipe nobody reads would fill and block it); it is quoted in
the error when Prism fails to start.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _loopback import free_port

__all__ = ["PRISM", "PrismError", "install", "prism"]

ROOT = Path(__file__).resolve().parent.parent
PRISM_DIR = ROOT / "tools" / "prism"
PRISM = PRISM_DIR / "node_modules" / ".bin" / "prism"
# Prism loads Light's document in about a second; a cold machine gets ample margin.
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
# How much of Prism's output an error quotes (its tail: where a startup failure is).
LOG_TAIL = 8000


class PrismError(RuntimeError):
    """Prism could not be installed or started."""


def install() -> Path:
    """The Prism executable, installed first with ``npm ci`` if it is not there yet."""
    if PRISM.exists():
        return PRISM
    npm = shutil.which("npm")
    if npm is None:
        raise PrismError(
            f"Prism is not installed ({PRISM.relative_to(ROOT)} is missing) and npm is not on PATH: "
            "install Node.js (with npm), then run `npm ci --prefix tools/prism`"
        )
    result = subprocess.run(
        [npm, "ci", "--prefix", str(PRISM_DIR)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not PRISM.exists():
        output = (result.stdout + result.stderr).strip()
        raise PrismError(
            f"`npm ci --prefix tools/prism` failed (exit {result.returncode}):\n{output}"
        )
    return PRISM


@contextmanager
def prism(document: Path, *, timeout: float = STARTUP_TIMEOUT) -> Iterator[str]:
    """Serve ``document`` with ``prism mock`` until the block ends; yield its base URL."""
    executable = install()
    port = free_port()
    command = [
        str(executable),
        "mock",
        str(document),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--dynamic=false",  # static: the same answer to the same request, run after run
    ]
    # No colour codes in the log (chalk reads FORCE_COLOR).
    env = {**os.environ, "FORCE_COLOR": "0", "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory(prefix="prism-") as directory:
        log = Path(directory) / "prism.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env
            )
        try:
            _wait_until_listening(process, port, timeout, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_listening(
    process: subprocess.Popen[bytes], port: int, timeout: float, log: Path
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        code = process.poll()
        if code is not None:
            raise PrismError(f"Prism exited (code {code}) before listening:\n{_tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise PrismError(
                f"Prism did not listen on port {port} within {timeout:g} s:\n{_tail(log)}"
            )
        time.sleep(0.05)


def _tail(log: Path) -> str:
    text = log.read_text(errors="replace").strip()
    return text[-LOG_TAIL:] if text else "(no output)"
