"""Every Python example in the README runs as written, against a fresh Light mock."""

from __future__ import annotations

import asyncio
import inspect
import re
from typing import Any

import pytest

from light_client import LightClient, SyncLightClient
from light_client.mock import LightMock
from tests.conftest import ROOT

BLOCKS = re.findall(
    r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL
)


def test_there_are_examples() -> None:
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{n}" for n in range(len(BLOCKS))])
def test_readme_example_runs(
    block: str,
    light_mock: LightMock,
    light_mock_sync_client: SyncLightClient,
    light_mock_client: LightClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIGHT_API_KEY", light_mock.api_key)
    monkeypatch.setenv("LIGHT_BASE_URL", light_mock.base_url)
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(block, "README.md", "exec"), namespace)
    # Blocks that show tests of one's own (the pytest fixtures) are run with those fixtures,
    # and with a mock of the seed a test is parametrized with.
    fixtures = {
        "light_mock_url": light_mock.base_url,
        "light_mock": light_mock,
        "light_mock_sync_client": light_mock_sync_client,
        "light_mock_client": light_mock_client,
    }
    for name, function in namespace.items():
        if name.startswith("test_") and callable(function):
            arguments = function.__code__.co_varnames[: function.__code__.co_argcount]
            seeds = [
                seed
                for mark in getattr(function, "pytestmark", [])
                if mark.name == "parametrize" and mark.args[0] == "light_mock_seed"
                for seed in mark.args[1]
            ]
            for seed in seeds:
                with LightMock(seed=seed) as seeded:
                    function(light_mock=seeded)
            if not seeds:
                called = function(**{argument: fixtures[argument] for argument in arguments})
                if inspect.iscoroutine(called):
                    asyncio.run(called)
