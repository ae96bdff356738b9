"""``Operation``: the generator's literal, turned into a path; bad ids refused before any I/O."""

from __future__ import annotations

from uuid import UUID

import pytest

from light_client._runtime.operation import Operation, PathParameter
from light_client.resources.customers import UPDATE_CUSTOMER

ID = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"


def test_a_uuid_or_its_string_gives_the_same_path() -> None:
    expected = (f"/v1/customers/{ID}", {"customer_id": ID})
    assert UPDATE_CUSTOMER.url_path((ID,)) == expected
    assert UPDATE_CUSTOMER.url_path((UUID(ID),)) == expected
    assert UPDATE_CUSTOMER.url_path((ID.upper(),)) == expected  # one spelling of each id


@pytest.mark.parametrize("bad", ["not-a-uuid", "", 42, None, b"5f0c6a8e", f"{ID}/../x"])
def test_a_bad_uuid_is_a_value_error_naming_the_parameter(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^customer_id must be a UUID or a UUID string, got "):
        UPDATE_CUSTOMER.url_path((bad,))


def test_the_number_of_path_arguments_is_checked() -> None:
    with pytest.raises(TypeError, match=r"updateCustomer takes 1 path parameter\(s\), got 2"):
        UPDATE_CUSTOMER.url_path((ID, ID))


def test_several_parameters_and_free_text_are_quoted_into_their_places() -> None:
    lines = Operation(
        operation_id="updateCustomerCreditLine",
        method="PATCH",
        path="/v1/customer-credits/{customerCreditId}/lines/{lineId}",
        path_parameters=(
            PathParameter("customer_credit_id", "customerCreditId", "uuid"),
            PathParameter("line_id", "lineId"),
        ),
        body_type=None,
        body_schema=None,
        content_type=None,
        parse=dict,
        answer_schema="CustomerCredit",
    )
    path, values = lines.url_path((UUID(ID), "a/b c"))
    assert path == f"/v1/customer-credits/{ID}/lines/a%2Fb%20c"
    assert values == {"customer_credit_id": ID, "line_id": "a/b c"}
    for bad in ("", ".", ".."):  # a dot segment would move the request to another path
        with pytest.raises(ValueError, match=rf"^line_id must be a non-empty string, got {bad!r}"):
            lines.url_path((ID, bad))
