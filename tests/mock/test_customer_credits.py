"""Customer credits through the SDK against the mock: get, list, update, archive and unarchive;
create, lines, post, submit and links."""

from __future__ import annotations

from uuid import UUID

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


async def test_a_credit_created_with_lines_posted_and_linked(
    light_mock_client: LightClient, light_mock: LightMock
) -> None:
    light = light_mock_client
    invoice_id = "0e9b7c8a-1111-4222-8333-444455556666"
    customer_id = UUID(light_mock.customer_id)
    credit = await light.customer_credits.create(customer_id=customer_id, currency="DKK")
    assert (credit.status, credit.currency, credit.lines) == ("DRAFT", "DKK", None)
    assert "lines" not in credit.fields_present()
    line = await light.customer_credits.lines.create(credit.id, description="Refund", quantity=2)
    assert (line.customer_credit_id, line.description, line.quantity) == (credit.id, "Refund", 2)
    assert isinstance(line.id, UUID)
    changed = await light.customer_credits.lines.update(credit.id, line.id, description="Refund 2")
    assert (changed.id, changed.description, changed.quantity) == (line.id, "Refund 2", 2)
    held = await light.customer_credits.get(credit.id)
    assert isinstance(held.lines, list)
    assert [(item.id, item.description) for item in held.lines] == [(line.id, "Refund 2")]
    deleted = await light.customer_credits.with_raw_response.lines.delete(credit.id, line.id)
    assert (deleted.status_code, deleted.parsed, deleted.content) == (200, None, b"")
    assert (await light.customer_credits.get(credit.id)).lines == []
    with pytest.raises(NotFoundError, match=f"CustomerCreditLine {line.id} not found"):
        await light.customer_credits.lines.delete(credit.id, line.id)
    assert (await light.customer_credits.post(credit.id)).status == "POSTED"
    submitted = await light.customer_credits.with_raw_response.submit_einvoice(credit.id)
    assert (submitted.status_code, submitted.parsed) == (200, None)
    link = await light.customer_credits.invoice_receivables.link_to_invoice(
        credit.id, invoice_id, amount=1250
    )
    assert link.customer_credit is not None
    assert link.invoice_receivable is not None
    assert (link.customer_credit.id, link.invoice_receivable.id, link.amount) == (
        credit.id,
        UUID(invoice_id),
        1250,
    )
    links = light.customer_credits.with_raw_response.invoice_receivables
    assert (await links.unlink_from_invoice(credit.id, invoice_id)).parsed is None
    with pytest.raises(NotFoundError, match=f"link to {invoice_id} not found"):
        await links.unlink_from_invoice(credit.id, invoice_id)
    with pytest.raises(NotFoundError):
        await light.customer_credits.lines.create("00000000-0000-4000-8000-000000000000")
