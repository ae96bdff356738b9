"""Answers too large to read, and messages too long to print (real sockets on loopback)."""

from __future__ import annotations

import functools
import json
import zlib
from typing import Any

import pytest

from light_client import BadRequestError, ResponseTooLargeError, ResponseValidationError
from tests._harness import CUSTOMER_ID, Light
from tests._servers import RawServer, http_answer


@functools.cache
def gzip_bomb() -> bytes:
    """300 MB of zeros, gzipped to about 300 KB (made in pieces: no 300 MB in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1_000_000)
    return b"".join(packer.compress(zeros) for _ in range(300)) + packer.flush()


@pytest.mark.parametrize("status", [200, 400])
async def test_a_gzip_bomb_is_not_inflated_past_the_limit(
    kind: Any, clean_env: pytest.MonkeyPatch, status: int
) -> None:
    bomb = http_answer(status, gzip_bomb(), "Content-Encoding: gzip")
    assert len(bomb) < 400_000
    with RawServer(lambda conn, _: conn.sendall(bomb)) as server:
        light = Light(kind, api_key="k", base_url=server.url, max_retries=0)
        with pytest.raises(ResponseTooLargeError) as caught:
            await light.update_customer(name="a")
        await light.close()
    assert caught.value.limit == 4 * 1024 * 1024
    assert caught.value.status_code == status
    assert str(caught.value) == (
        f"the answer ({status}) from /v1/customers/{CUSTOMER_ID} is larger than "
        "max_response_bytes=4194304; it was not read"
    )


async def test_the_limit_is_a_client_setting(kind: Any, clean_env: pytest.MonkeyPatch) -> None:
    body = json.dumps({"id": str(CUSTOMER_ID), "name": "x" * 2000}).encode()
    with RawServer(lambda conn, _: conn.sendall(http_answer(200, body))) as server:
        small = Light(kind, api_key="k", base_url=server.url, max_response_bytes=1000)
        with pytest.raises(ResponseTooLargeError):
            await small.update_customer(name="a")
        await small.close()
        roomy = Light(kind, api_key="k", base_url=server.url, max_response_bytes=3000)
        assert (await roomy.update_customer(name="a")).name == "x" * 2000
        await roomy.close()


async def test_messages_quote_a_huge_answer_only_in_part(
    kind: Any, clean_env: pytest.MonkeyPatch
) -> None:
    huge_list = json.dumps(list(range(1_000_000))).encode()  # 6.9 MB
    huge_error = json.dumps({"type": "BAD_REQUEST", "message": "m" * 1_000_000}).encode()
    answers = iter([http_answer(200, huge_list), http_answer(400, huge_error)])
    with RawServer(lambda conn, _: conn.sendall(next(answers))) as server:
        light = Light(
            kind, api_key="k", base_url=server.url, max_retries=0, max_response_bytes=10**8
        )
        with pytest.raises(ResponseValidationError) as invalid:
            await light.update_customer(name="a")
        with pytest.raises(BadRequestError) as bad:
            await light.update_customer(name="a")
        await light.close()
    assert len(str(invalid.value)) < 500
    assert "more characters)" in str(invalid.value)
    assert invalid.value.content == huge_list  # the whole body stays available
    assert len(str(bad.value)) < 500 and bad.value.message is not None
    assert bad.value.message.endswith("... (999700 more characters)")


async def test_a_too_large_answer_says_which_attempt_it_came_on(
    kind: Any, clean_env: pytest.MonkeyPatch
) -> None:
    bomb = http_answer(200, gzip_bomb(), "Content-Encoding: gzip")
    busy = http_answer(503, b'{"type": "UNAVAILABLE", "message": "later"}')
    answers = iter([busy, bomb])
    with RawServer(lambda conn, _: conn.sendall(next(answers))) as server:
        light = Light(kind, api_key="k", base_url=server.url, max_retries=2)
        with pytest.raises(ResponseTooLargeError) as caught:
            await light.update_customer(name="a")
        await light.close()
    assert caught.value.attempts == 2 and len(server.requests) == 2
