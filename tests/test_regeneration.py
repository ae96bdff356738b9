"""A property added to openapi.yaml reaches the client after `make generate`, with no other change."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

GENERATE = [sys.executable, str(ROOT / "scripts" / "generate.py")]
NEW_PROPERTY = {"type": ["string", "null"], "description": "Loyalty programme tier"}


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
    assert "+    loyalty_tier: None | str | Unset" in result.stdout
    assert "Run `make generate`" in result.stderr


def test_a_generator_warning_fails_generation(tmp_path: Path) -> None:
    # An operation the generator cannot build is skipped with a warning and exit status 0 by
    # default; generate.py passes --fail-on-warning, so the skip is a failure.
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
    assert "openapi-python-client failed or warned" in result.stderr


def test_new_property_passes_through_the_client(extended_spec: Path, tmp_path: Path) -> None:
    package = tmp_path / "light_client"
    shutil.copytree(
        ROOT / "light_client", package, ignore=shutil.ignore_patterns("_generated", "__pycache__")
    )
    subprocess.run(
        [*GENERATE, "--spec", str(extended_spec), "--output", str(package / "_generated")],
        check=True,
        capture_output=True,
    )
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
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script.name)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert typed.returncode == 0, typed.stdout


def test_a_spec_the_generator_would_skip_part_of_fails(tmp_path: Path) -> None:
    """The generator's own --fail-on-warning: an operation it cannot generate stops the job."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    operation = spec["paths"]["/v1/customers/{customerId}"]["patch"]
    operation["requestBody"]["content"] = {"application/xml": {"schema": {"type": "string"}}}
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    run = subprocess.run(
        [*GENERATE, "--spec", str(path), "--output", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert "Unsupported content type application/xml" in run.stderr
    assert run.stderr.rstrip().endswith("openapi-python-client failed or warned; see above")
    assert not (tmp_path / "out").exists()
