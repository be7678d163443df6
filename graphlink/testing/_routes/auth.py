"""The Microsoft identity platform endpoints msal uses: discovery and the token endpoint."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from graphlink.testing._routes._table import route
from graphlink.testing._wire import Call, Reply, json_reply

if TYPE_CHECKING:
    from graphlink.testing._engine import Engine


@route("GET", r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration", graph=False)
def _openid_configuration(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    base = f"{call.origin}/{m['tenant']}"
    return json_reply(
        200,
        {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{call.origin}/{m['tenant']}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"https://login.microsoftonline.com/{e.state.tenant_id}/v2.0",
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": "graph.microsoft.com",
        },
    )


@route("GET", r"/common/discovery/instance", graph=False)
def _instance_discovery(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    endpoint = call.param("authorization_endpoint") or ""
    tenant_base = (
        endpoint.split("/oauth2/")[0] if "/oauth2/" in endpoint else f"{call.origin}/common"
    )
    return json_reply(
        200,
        {
            "tenant_discovery_endpoint": f"{tenant_base}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [],
        },
    )


def _aad_error(status: int, error: str, code: int, description: str) -> Reply:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return json_reply(
        status,
        {
            "error": error,
            "error_description": f"AADSTS{code}: {description}",
            "error_codes": [code],
            "timestamp": now,
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        },
    )


@route("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", graph=False)
def _token(e: Engine, call: Call, m: re.Match[str]) -> Reply:
    form = call.body if isinstance(call.body, Mapping) else {}
    grant = form.get("grant_type")
    client_id = str(form.get("client_id") or "")
    if grant != "client_credentials":
        return _aad_error(
            400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
        )
    if not client_id:
        return _aad_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        )
    scope = str(form.get("scope") or "")
    if not any(s.endswith("/.default") for s in scope.split()):
        return _aad_error(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential "
            "flows must have a scope value with /.default suffixed to the resource "
            "identifier (application ID URI).",
        )
    if e.apps:
        if client_id not in e.apps:
            return _aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the "
                f"directory '{m['tenant']}'.",
            )
        if "client_assertion" not in form and form.get("client_secret") != e.apps[client_id]:
            return _aad_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in "
                "the request is the client secret value, not the client secret ID.",
            )
    token, lifetime = e.issue_token()
    return json_reply(
        200,
        {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        },
    )
