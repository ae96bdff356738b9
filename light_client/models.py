"""The API's data models, generated from openapi.yaml (see light_client/_generated/).

Request models (``UpdateCustomerRequest``, ``UpdateCustomerCreditRequest``, ...) and response
models (``Customer``, ``CustomerCredit``, ``Address``, ...) are attrs classes. In a request, a
field left as ``UNSET`` is not sent and a field set to ``None`` is sent as ``null``. In an answer,
a field Light left out reads as ``None``, as a ``null`` does (``T | None``, never ``Unset``), and
``fields_present()`` names the fields the answer had. ``Address(...)`` and the other models an
answer can hold also go into requests: a keyword left out is not sent. Enums accept values added
to the API after this SDK was generated.

Every model works with pydantic and FastAPI (as a ``response_model``, a return annotation or in a
``TypeAdapter``), serialized as ``to_dict()``, without pydantic being a dependency of this SDK.
"""

from ._generated.models import *  # noqa: F403
from ._generated.models import __all__ as _generated_all
from ._generated.models.update_customer_credit_request import UpdateCustomerCreditRequestFields
from ._generated.models.update_customer_request import UpdateCustomerRequestFields
from ._runtime.pydantic_support import add_pydantic_support

# The keyword arguments of the request models (and of the matching update methods), as TypedDicts.
__all__ = [*_generated_all, "UpdateCustomerCreditRequestFields", "UpdateCustomerRequestFields"]

add_pydantic_support(
    model for name in _generated_all if hasattr(model := globals()[name], "from_dict")
)
