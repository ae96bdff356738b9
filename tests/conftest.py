from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from light_client.testing import FakeClock

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def load_json(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def official() -> dict[str, Any]:
    loaded: dict[str, Any] = load_json("light-openapi-public.json")
    return loaded


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def redis_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real redis-server on a free loopback port, its URL and its process; stopped after."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "needs a local Redis server, and the redis-server program is not installed "
            "(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)"
        )
    port = free_port()
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0", server
    finally:
        server.send_signal(signal.SIGCONT)  # a test may have frozen it
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The session's redis-server (see ``redis_server``): its URL."""
    with redis_server() as (url, _):
        yield url


@pytest.fixture
def empty_redis(redis_url: str) -> str:
    """The session's redis-server, emptied for this test: its URL."""
    import redis

    with redis.Redis.from_url(redis_url) as admin:
        admin.flushdb()
    return redis_url


API_KEY = "sk_test_SECRET_4f9a"


@pytest.fixture(params=["async", "sync"])
def kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("LIGHT_API_KEY", "LIGHT_BASE_URL", "LIGHT_LOG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


FROZEN_NOW = 1_800_000_000.0


@pytest.fixture
def frozen(clean_env: pytest.MonkeyPatch) -> FakeClock:
    """A clock that moves only by the waits a client makes on it, so waits come out exact
    however slowly a test runs (``light_client.testing.FakeClock`` at ``FROZEN_NOW``). Give it
    to a client as ``clock=frozen``; its waits are in ``frozen.sleeps``."""
    return FakeClock(FROZEN_NOW)


# Property tests: 200 examples each, derandomized (the same examples on every run, in CI too),
# no example database written to disk, no per-example deadline on this shared machine.
settings.register_profile(
    "light", max_examples=200, derandomize=True, database=None, deadline=None, print_blob=True
)
settings.load_profile("light")
