"""A property added to openapi.yaml reaches the client after `make generate`, with no other change."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from tests.conftest import ROOT

GENERATE = [sys.executable, str(ROOT / "scripts" / "generate.py")]
# The project's mypy settings (strict, and the override for the generator's unused Client).
MYPY = [
    sys.executable,
    "-m",
    "mypy",
    "--strict",
    "--no-incremental",
    "--config-file",
    str(ROOT / "pyproject.toml"),
]
NEW_PROPERTY = {"type": ["string", "null"], "description": "Loyalty programme tier"}


def regenerated_copy(spec: Path, where: Path) -> Path:
    """A copy of the package under ``where``, its generated half regenerated from ``spec``."""
    package = where / "light_client"
    shutil.copytree(
        ROOT / "light_client",
        package,
        ignore=shutil.ignore_patterns("_generated", "resources", "__pycache__"),
    )
    subprocess.run(
        [*GENERATE, "--spec", str(spec), "--output", str(package)], check=True, capture_output=True
    )
    return package


@pytest.fixture(scope="module")
def extended_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    for schema in ("UpdateCustomerRequest", "Customer"):
        spec["components"]["schemas"][schema]["properties"]["loyaltyTier"] = NEW_PROPERTY
    path = tmp_path_factory.mktemp("spec") / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def test_check_generated_fails_until_regenerated(extended_spec: Path) -> None:
    result = subprocess.run(
        [*GENERATE, "--check", "--spec", str(extended_spec)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "+    loyalty_tier: str | None | Unset = UNSET" in result.stdout  # the request
    assert "+    loyalty_tier: None | str\n" in result.stdout  # the answer: absent reads as None
    assert "Run `make generate`" in result.stderr


def test_a_generator_warning_fails_generation(tmp_path: Path) -> None:
    # An operation the generator cannot build is skipped with a warning and exit status 0 by
    # default; generate.py fails on any warning, so the skip is a failure.
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    operation = spec["paths"]["/v1/customers/{customerId}"]["patch"]
    (media,) = operation["requestBody"]["content"].values()
    media["schema"] = {"$ref": "#/components/schemas/NoSuchSchema"}
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    result = subprocess.run(
        [*GENERATE, "--check", "--spec", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "WARNING parsing PATCH /v1/customers/{customerId}" in result.stderr
    assert "Endpoint will not be generated" in result.stderr
    assert "generation failed" in result.stderr


def test_new_property_passes_through_the_client(extended_spec: Path, tmp_path: Path) -> None:
    package = regenerated_copy(extended_spec, tmp_path)
    script = tmp_path / "use_new_field.py"
    script.write_text(
        textwrap.dedent(
            """
            import json
            import httpx
            import light_client
            from light_client import SyncLightClient

            def answer(request: httpx.Request) -> httpx.Response:
                sent = json.loads(request.content)
                return httpx.Response(200, json={"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", **sent})

            http = httpx.Client(transport=httpx.MockTransport(answer))
            with SyncLightClient(api_key="k", http_client=http) as light:
                customer = light.customers.update(
                    "3c90c3cc-0d44-4b50-8888-8dd25736052a", loyalty_tier="gold", email=None
                )
            tier: str | None = customer.loyalty_tier if isinstance(customer.loyalty_tier, str) else None
            print(light_client.__file__)
            print(customer.to_dict()["loyaltyTier"], tier)
            """
        ),
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    imported_from, values = run.stdout.splitlines()
    assert imported_from == str(package / "__init__.py")
    assert values == "gold gold"
    # mypy sees the new keyword with its type, from the regenerated TypedDict.
    typed = subprocess.run(
        [*MYPY, script.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert typed.returncode == 0, typed.stdout


CUSTOMER_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
CUSTOMER = {"id": CUSTOMER_ID, "name": "Acme ApS", "email": None, "type": "COMPANY"}


@pytest.fixture(scope="module")
def spec_with_retrieve(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """openapi.yaml plus ``GET /v1/customers/{customerId}`` (retrieveCustomer -> Customer)."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    update = spec["paths"]["/v1/customers/{customerId}"]["patch"]
    spec["paths"]["/v1/customers/{customerId}"]["get"] = {
        "operationId": "retrieveCustomer",
        "summary": "Retrieve customer",
        "description": "Returns the customer with this id.",
        "tags": ["Customers"],
        "parameters": [p for p in update["parameters"] if p.get("name") == "customerId"],
        "responses": {
            status: response
            for status, response in update["responses"].items()
            if status in ("200", "404", "default")
        },
    }
    path = tmp_path_factory.mktemp("spec") / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with ``CUSTOMER``; records method, path, headers and body."""

    seen: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []

    def do_GET(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.command, self.path, dict(self.headers), body))
        answer = json.dumps(CUSTOMER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def loopback_server() -> Iterator[tuple[str, list[tuple[str, str, dict[str, str], bytes]]]]:
    """A tiny http.server on a free loopback port, stopped after the test."""
    seen: list[tuple[str, str, dict[str, str], bytes]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


RETRIEVE_SCRIPT = """
import asyncio
import sys
from typing import assert_type

from light_client import LightClient, SyncLightClient
from light_client._runtime.response import RawResponse
from light_client.models import Customer

BASE_URL = sys.argv[1]
CUSTOMER_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"

with SyncLightClient(api_key="k", base_url=BASE_URL) as light:
    customer = light.customers.retrieve(CUSTOMER_ID)
    raw = light.customers.with_raw_response.retrieve(CUSTOMER_ID, extra_headers={"X-Trace": "1"})
assert_type(customer, Customer)
assert_type(raw, RawResponse[Customer])
name: str | None = customer.name if isinstance(customer.name, str) else None
print(type(customer).__name__, customer.id, name, raw.status_code, raw.parsed.type_)


async def main() -> Customer:
    async with LightClient(api_key="k", base_url=BASE_URL, max_retries=0) as light:
        return await light.customers.retrieve(CUSTOMER_ID, timeout=5)


print(asyncio.run(main()).to_dict()["name"])
try:
    with SyncLightClient(api_key="k", base_url=BASE_URL) as light:
        light.customers.retrieve(CUSTOMER_ID, name="x")  # type: ignore[arg-type]
except TypeError as error:
    print(error)
"""


def test_new_operation_reaches_the_client_with_no_handwritten_code(
    spec_with_retrieve: Path,
    tmp_path: Path,
    loopback_server: tuple[str, list[tuple[str, str, dict[str, str], bytes]]],
) -> None:
    package = regenerated_copy(spec_with_retrieve, tmp_path)
    # Only generated files differ from the package under test.
    assert "RETRIEVE_CUSTOMER" not in (ROOT / "light_client/resources/customers.py").read_text()
    assert "RETRIEVE_CUSTOMER" in (package / "resources" / "customers.py").read_text()
    script = tmp_path / "use_new_operation.py"
    script.write_text(RETRIEVE_SCRIPT, encoding="utf-8")
    base_url, seen = loopback_server
    run = subprocess.run(
        [sys.executable, str(script), base_url], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        f"Customer {CUSTOMER_ID} Acme ApS 200 COMPANY",
        "Acme ApS",
        "retrieveCustomer sends no body: it has no field 'name'",
    ]
    assert [(method, path, body) for method, path, _, body in seen] == [
        ("GET", f"/v1/customers/{CUSTOMER_ID}", b"")
    ] * 3
    headers = [{k.lower(): v for k, v in h.items()} for _, _, h, _ in seen]
    assert [h["authorization"] for h in headers] == ["Basic k"] * 3
    assert [h.get("x-trace") for h in headers] == [None, "1", None]
    # No body, so no Content-Type; no X-Idempotency-Key: the GET does not declare it.
    assert all("content-type" not in h and "x-idempotency-key" not in h for h in headers)
    assert all("content-length" not in h for h in headers)
    typed = subprocess.run(
        [*MYPY, script.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert typed.returncode == 0, typed.stdout
