"""A FastAPI backend for an integration partner: many Light companies, connected with OAuth.

/connect sends the user to Light to authorize; /callback exchanges the code and keeps the
tokens (refresh tokens rotate: the SDK stores each new pair before using it); each tenant then
gets its own LightClient on one shared connection pool, with its own rate-limit budget. Run
with LIGHT_OAUTH_CLIENT_ID, LIGHT_OAUTH_CLIENT_SECRET and LIGHT_OAUTH_REDIRECT_URI (this app's
/callback URL) set, and LIGHT_BASE_URL for the mock:

    uvicorn examples.fastapi_oauth:app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import UUID

import httpx
from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse

from light_client import LightClient, LightOAuth, OAuthError, SQLiteTokenStore, fields_from_mapping
from light_client.models import Customer, UpdateCustomerRequest


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.oauth = LightOAuth(
        client_id=os.environ["LIGHT_OAUTH_CLIENT_ID"],
        client_secret=os.environ["LIGHT_OAUTH_CLIENT_SECRET"],
        redirect_uri=os.environ["LIGHT_OAUTH_REDIRECT_URI"],
    )
    # Shared by every worker process on this host; one refresh at a time per tenant.
    app.state.tokens = SQLiteTokenStore(os.environ.get("LIGHT_TOKEN_DB", "light-tokens.sqlite3"))
    app.state.pending = {}  # state -> tenant, for callbacks still to come
    app.state.clients = {}  # tenant -> LightClient
    async with httpx.AsyncClient() as http:  # one connection pool for all tenants
        app.state.http = http
        yield
    app.state.tokens.close()
    app.state.oauth.close()


app = FastAPI(title="Light integration partner", lifespan=lifespan)


def light_for(request: Request, tenant: str) -> LightClient:
    clients: dict[str, LightClient] = request.app.state.clients
    if tenant not in clients:
        oauth: LightOAuth = request.app.state.oauth
        clients[tenant] = LightClient(
            access_token=oauth.async_provider(tenant, request.app.state.tokens),
            http_client=request.app.state.http,
        )
    return clients[tenant]


@app.get("/connect")
async def connect(tenant: str, request: Request) -> RedirectResponse:
    """Step 1: send the user to Light to connect their company as ``tenant``."""
    state = LightOAuth.new_state()
    request.app.state.pending[state] = tenant
    return RedirectResponse(request.app.state.oauth.authorization_url(state=state))


@app.get("/callback")
async def callback(code: str, state: str, request: Request) -> dict[str, str]:
    """Step 2: Light sends the user back with a code: exchange it and keep the tokens."""
    tenant = request.app.state.pending.pop(state, None)
    if tenant is None:
        raise HTTPException(400, "unknown or used state")
    try:
        tokens = await request.app.state.oauth.aexchange_code(code)
    except OAuthError as error:
        raise HTTPException(400, f"Light refused the connection: {error.error}") from None
    request.app.state.tokens.put(tenant, tokens)
    return {"connected": tenant}


@app.patch("/tenants/{tenant}/customers/{customer_id}")
async def update_customer(
    tenant: str, customer_id: UUID, changes: Annotated[dict[str, Any], Body()], request: Request
) -> Customer:
    """An update on behalf of a connected tenant (a dict of JSON fields; null clears)."""
    fields = fields_from_mapping(UpdateCustomerRequest, changes)
    try:
        return await light_for(request, tenant).customers.update(customer_id, **fields)
    except OAuthError as error:
        raise HTTPException(401, f"tenant {tenant!r} must connect again: {error.error}") from None
