"""Schemathesis, the outside check: the mock against openapi.yaml, with a fixed seed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from light_client.mock import LightMock, RateLimit
from tests.conftest import ROOT

# The checks that make a server faithful to its spec. Not "positive data acceptance": Light
# (and so the mock) refuses spec-valid requests on rules the spec cannot state (a read-only
# field, a reused idempotency key, null where the resource cannot hold it).
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance,response_headers_conformance"


def test_schemathesis_finds_nothing(light_mock: LightMock, tmp_path: Path) -> None:
    light_mock.rate_limit = RateLimit(limit=10**6, window=60.0)  # its 429s are tested elsewhere
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        str(ROOT / "openapi.yaml"),
        "--url",
        light_mock.base_url,
        "-H",
        f"Authorization: Basic {light_mock.api_key}",
        "--seed",
        "1",
        "--max-examples",
        "100",
        "--phases",
        "examples,fuzzing",
        "--checks",
        CHECKS,
        "--generation-database",
        "none",
        "--report-dir",
        str(tmp_path),
    ]
    assert shutil.which(command[0]) is not None
    # In a folder of its own: it keeps a cache (.schemathesis/) where it runs.
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failures" not in run.stdout.split("SUMMARY")[-1]
    assert light_mock.stats.requests >= 100  # it did exercise the mock
    assert light_mock.stats.statuses[500] == 0
