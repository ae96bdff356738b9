"""What ``help()`` shows of a generated method: every keyword, typed, with its description."""

from __future__ import annotations

import inspect
import pydoc

import pytest

from light_client import LightClient, SyncLightClient
from light_client.models import Customer, UpdateCustomerRequest


@pytest.mark.parametrize("client_type", [LightClient, SyncLightClient])
def test_help_lists_every_request_field_with_its_description(
    client_type: type[LightClient] | type[SyncLightClient],
) -> None:
    light = client_type(api_key="sk_test")
    text = pydoc.plain(pydoc.render_doc(light.customers.update))
    for name in UpdateCustomerRequest.JSON_NAMES:
        assert f"{name}: " in text.split("Args:")[1], name  # documented
        assert f"{name}: '" in text.split("Args:")[0], name  # in the signature, typed
    assert "name: Name of the customer" in text
    assert "vat_number: VAT number of the customer" in text
    assert "cc_emails: 'Sequence[str | None] | None | Unset' = UNSET" in text
    assert "type_: 'CustomerType | CustomerTypeLiteral | None | Unset' = UNSET" in text
    for option in ("timeout", "max_retries", "max_queue_wait", "extra_headers", "extra_body"):
        assert f"{option}: " in text.split("Args:")[1]
    assert "idempotency_key: " in text
    assert "**params" not in text


def test_keywords_are_keyword_only_and_default_to_the_sentinels() -> None:
    parameters = inspect.signature(SyncLightClient(api_key="k").customers.update).parameters
    kinds = {name: parameter.kind for name, parameter in parameters.items()}
    assert kinds.pop("customer_id") is inspect.Parameter.POSITIONAL_ONLY
    assert kinds.pop("unknown") is inspect.Parameter.VAR_KEYWORD
    assert set(kinds.values()) == {inspect.Parameter.KEYWORD_ONLY}
    assert repr(parameters["email"].default) == "UNSET"
    assert repr(parameters["timeout"].default) == "NOT_GIVEN"
    # An operation Light does not deduplicate, and one without a body, take neither option.
    get = inspect.signature(SyncLightClient(api_key="k").customers.get).parameters
    assert "idempotency_key" not in get and "extra_body" not in get


def test_every_model_has_a_class_docstring_listing_its_fields() -> None:
    doc = pydoc.plain(pydoc.render_doc(Customer))
    assert "fields_present()" in doc
    assert "vat_number: VAT number of the customer" in doc
    request_doc = UpdateCustomerRequest.__doc__ or ""
    assert "``UNSET``" in request_doc and "cc_emails: Billing email CC recipients" in request_doc
