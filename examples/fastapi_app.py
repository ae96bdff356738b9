"""A FastAPI service that updates Light customers.

One LightClient for the whole app, opened and closed by the lifespan and handed to endpoints
through a dependency; SDK errors become sensible HTTP answers. Run it with

    LIGHT_API_KEY=... uvicorn examples.fastapi_app:app

(or against the mock: start `python -m light_client.mock` and export what it prints).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import UUID

from fastapi import Body, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from light_client import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InvalidArgumentError,
    LightClient,
    LightError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    fields_from_mapping,
)
from light_client.models import Customer, UpdateCustomerRequest


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with LightClient() as light:  # LIGHT_API_KEY / LIGHT_BASE_URL from the environment
        app.state.light = light
        yield


app = FastAPI(title="Customer updates", lifespan=lifespan)


def get_light(request: Request) -> LightClient:
    light: LightClient = request.app.state.light
    return light


Light = Annotated[LightClient, Depends(get_light)]


@app.patch("/customers/{customer_id}")
async def update_customer(
    customer_id: UUID, changes: Annotated[dict[str, Any], Body()], light: Light
) -> Customer:
    """Apply a partial update: keys left out stay as they are, null clears a field."""
    try:
        fields = fields_from_mapping(UpdateCustomerRequest, changes)
    except (TypeError, ValueError) as error:  # unknown field (with a suggestion), wrong type
        raise HTTPException(status_code=422, detail=str(error)) from error
    # A generated model is a valid return type (and response_model): sent as its to_dict().
    return await light.customers.update(customer_id, **fields)


@app.exception_handler(LightError)
async def light_error(request: Request, error: LightError) -> JSONResponse:
    """Our callers get our status codes; Light's details are kept where they help them."""
    if isinstance(error, InvalidArgumentError):  # the caller's value, refused before sending
        return JSONResponse({"detail": str(error)}, status_code=422)
    if isinstance(error, NotFoundError):
        return JSONResponse({"detail": "customer not found"}, status_code=404)
    if isinstance(error, BadRequestError | UnprocessableEntityError):
        return JSONResponse({"detail": str(error), "fields": error.field_errors}, status_code=422)
    if isinstance(error, RateLimitError):
        retry_after = error.headers.get("Retry-After", "60")
        return JSONResponse(
            {"detail": "busy, try again later"},
            status_code=503,
            headers={"Retry-After": retry_after},
        )
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        # Our credentials for Light are wrong: a server-side problem, not the caller's.
        return JSONResponse({"detail": "upstream rejected our credentials"}, status_code=502)
    if isinstance(error, APIConnectionError):
        return JSONResponse({"detail": "Light is unreachable"}, status_code=504)
    status = error.status_code if isinstance(error, APIStatusError) else "invalid answer"
    return JSONResponse({"detail": f"Light failed ({status})"}, status_code=502)
