"""Customer credits: get, list, update, archive and unarchive through the SDK against the mock."""

from __future__ import annotations

import pytest

from light_client import BadRequestError, LightClient, NotFoundError
from light_client.mock import LightMock


async def test_the_credits_a_service_reads_lists_and_archives(
    light_mock_client: LightClient, light_mock: LightMock
) -> None:
    light = light_mock_client
    credit_id = light_mock.customer_credit_id
    credit = await light.customer_credits.get(credit_id)
    assert str(credit.id) == credit_id and credit.status == "DRAFT"
    listed = [c.id async for c in light.customer_credits.list(include=["INVOICE_RECEIVABLE"])]
    assert [str(c) for c in listed] == [credit_id]
    with pytest.raises(BadRequestError, match="is not ARCHIVED"):
        await light.customer_credits.unarchive(credit_id)
    assert (await light.customer_credits.archive(credit_id)).status == "ARCHIVED"
    archived = await light.customer_credits.list(filter="status:eq:ARCHIVED")
    assert [str(c.id) for c in archived.records] == [credit_id]
    assert (await light.customer_credits.unarchive(credit_id)).status == "DRAFT"
    with pytest.raises(NotFoundError):
        await light.customer_credits.get("00000000-0000-4000-8000-000000000000")
    # An array query parameter repeats its key, as Light's array parameters want.
    raw = await light.customer_credits.with_raw_response.list(include=["A", "B"])
    assert raw.http_response.request.url.query == b"cursor=0&include=A&include=B"
    assert light_mock.stats.requests == 8
