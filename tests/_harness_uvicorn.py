"""An ASGI app served by uvicorn on a loopback port, in a thread, for end-to-end tests."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import uvicorn


class Service:
    """``with Service(app) as client:`` -- the app on ``port`` (0: a free one), then stopped."""

    def __init__(self, app: Any, port: int = 0) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, lifespan="on", log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        self.client = httpx.Client(base_url=f"http://{host}:{port}")
        return self.client

    def __exit__(self, *exc_info: object) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)
