"""401 without a valid credential, FORBIDDEN without the scope; API keys and JWTs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

from tests.conftest import JWT_SECRET, new_api

QUERY = {"query": "{ workspace { id } }"}


def _unsigned(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def _status_and_code(http, token: str | None) -> tuple[int, str | None]:
    headers = {} if token is None else {"Authorization": token}
    response = await http.post("/graphql", json=QUERY, headers=headers)
    errors = response.json().get("errors") or [{}]
    return response.status_code, errors[0].get("extensions", {}).get("code")


def claims(api, **extra) -> dict:
    return {
        "workspace_id": str(api.workspace_id),
        "scope": "read write",
        "exp": int(time.time()) + 300,
        **extra,
    }


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
        "Bearer jg_nonsense",
        "Bearer jg_00000000000000000000000000000000_abc",
        "Bearer not-a-jwt",
    ],
)
async def test_missing_or_bad_credentials_are_401(http, header):
    assert await _status_and_code(http, header) == (401, "UNAUTHENTICATED")


async def test_a_key_with_a_tampered_secret_is_401(http, api):
    assert await _status_and_code(http, f"Bearer {api.key[:-2]}xx") == (401, "UNAUTHENTICATED")


async def test_an_alg_none_jwt_is_401(http, api):
    assert await _status_and_code(http, f"Bearer {_unsigned(claims(api))}") == (401, "UNAUTHENTICATED")


async def test_an_expired_jwt_is_401(http, api):
    token = jwt.encode(claims(api, exp=int(time.time()) - 10), JWT_SECRET, algorithm="HS256")
    assert await _status_and_code(http, f"Bearer {token}") == (401, "UNAUTHENTICATED")


async def test_a_jwt_signed_with_another_secret_is_401(http, api):
    token = jwt.encode(claims(api), "some-other-secret-of-sufficient-length!!", algorithm="HS256")
    assert await _status_and_code(http, f"Bearer {token}") == (401, "UNAUTHENTICATED")


async def test_a_jwt_without_exp_is_401(http, api):
    token = jwt.encode(
        {"workspace_id": str(api.workspace_id), "scope": "read"}, JWT_SECRET, algorithm="HS256"
    )
    assert await _status_and_code(http, f"Bearer {token}") == (401, "UNAUTHENTICATED")


async def test_a_jwt_for_an_unknown_workspace_is_401(http, api):
    token = jwt.encode(
        claims(api, workspace_id="00000000-0000-0000-0000-000000000000"), JWT_SECRET, algorithm="HS256"
    )
    assert await _status_and_code(http, f"Bearer {token}") == (401, "UNAUTHENTICATED")


async def test_hs256_and_rs256_jwts_reach_their_workspace(api, rsa_keys):
    for token in (
        jwt.encode(claims(api), JWT_SECRET, algorithm="HS256"),
        jwt.encode(claims(api), rsa_keys[0], algorithm="RS256"),
    ):
        data = await api.gql("{ workspace { id } }", token=token)
        assert data == {"workspace": {"id": str(api.workspace_id)}}


async def test_an_rs256_token_signed_as_hs256_with_the_public_key_is_401(http, api, rsa_keys):
    # the classic algorithm-confusion attack: HMAC keyed with the public PEM
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps(claims(api)).encode()).decode().rstrip("=")
    signature = hmac.new(rsa_keys[1].encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    token = f"{header}.{body}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"
    assert await _status_and_code(http, f"Bearer {token}") == (401, "UNAUTHENTICATED")


async def test_a_missing_scope_is_forbidden(app, http, statements):
    # given a read-only key and a write-only key
    reader = await new_api(app, http, statements, ["read"])
    writer = await new_api(app, http, statements, ["write"])

    # when each does what it may not
    mutation_errors = await reader.errors('mutation { createJourney(input: {name: "x"}) { journey { id } } }')
    query_errors = await writer.errors("{ journeys { totalCount } }")

    # then
    assert mutation_errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert "write" in mutation_errors[0]["message"]
    assert query_errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await reader.gql("{ journeys { totalCount } }")) == {"journeys": {"totalCount": 0}}


async def test_jwt_scopes_are_honoured(api):
    token = jwt.encode(claims(api, scope="read"), JWT_SECRET, algorithm="HS256")

    errors = await api.errors(
        'mutation { createJourney(input: {name: "x"}) { journey { id } } }', token=token
    )

    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_es256_jwts_are_accepted_with_an_ec_public_key(database_url, api):
    import httpx
    from asgi_lifespan import LifespanManager
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from journeygraph.app import create_app
    from journeygraph.core.settings import Settings

    # given a server configured with an EC public key only
    key = ec.generate_private_key(ec.SECP256R1())
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    app = create_app(Settings(database_url=database_url, jwt_public_key=public), database_url)
    token = jwt.encode(claims(api), key, algorithm="ES256")
    hs_token = jwt.encode(claims(api), JWT_SECRET, algorithm="HS256")

    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        # then ES256 works and HS256 (no secret configured) does not
        ok = await http.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"})
        assert ok.json()["data"] == {"workspace": {"id": str(api.workspace_id)}}
        assert await _status_and_code(http, f"Bearer {hs_token}") == (401, "UNAUTHENTICATED")


@pytest.mark.parametrize("exp", ["99999999999", 10**30, True])
async def test_a_jwt_whose_exp_is_not_a_near_number_is_401(http, api, exp):
    # a string of digits, a date ages ahead, a boolean: none is a bounded NumericDate
    token = jwt.encode(claims(api, exp=exp), JWT_SECRET, algorithm="HS256")

    response = await http.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert "exp" in response.json()["errors"][0]["message"]


async def test_a_jwt_signed_for_another_key_type_gets_a_plain_message(http, api):
    from cryptography.hazmat.primitives.asymmetric import ec

    token = jwt.encode(claims(api), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256")

    response = await http.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"})

    message = response.json()["errors"][0]["message"]
    assert response.status_code == 401
    assert message == "the JWT is signed with ES256, which this server's public key cannot verify"


async def test_jwts_of_two_workspaces_with_one_subject_have_two_buckets(app, api, other_api):
    # given service tokens of two workspaces that both say sub "engine"
    from journeygraph.auth import authenticate

    tokens = [
        jwt.encode(claims(a, sub="engine", scope="read"), JWT_SECRET, algorithm="HS256")
        for a in (api, other_api)
    ]

    # when each is authenticated
    state = app.state
    first, second = [await authenticate(f"Bearer {token}", state.reads, state.settings) for token in tokens]

    # then each has a rate-limit bucket of its own: spending one leaves the other full
    assert first.credential != second.credential
    state.limiter.take(first.credential, state.limiter.burst)
    assert state.limiter.level(second.credential) == state.limiter.burst


async def test_a_write_only_key_cannot_read_through_a_mutation_payload(app, http, statements, api):
    # given a journey, and a key of its workspace with only the write scope
    from journeygraph.db.queries.workspaces import create_api_key
    from tests.operations import create_journey

    journey = await create_journey(api)
    async with app.state.sessions.begin() as session:
        writer = await create_api_key(session, api.workspace_id, ["write"])
    update = """mutation($id: ID!) { updateJourney(id: $id, input: {}) {
      journey { id performance(startDate: "2026-01-01", endDate: "2026-01-31") { enteredCount } }
      userErrors { code } } }"""

    # when it asks for the journey's figures through updateJourney (which changes nothing)
    body = (
        await http.post(
            "/graphql",
            json={"query": update, "variables": {"id": journey["id"]}},
            headers={"Authorization": f"Bearer {writer}"},
        )
    ).json()

    # then the payload's journey is withheld with FORBIDDEN; userErrors still answer
    assert body["data"]["updateJourney"] == {"journey": None, "userErrors": []}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["updateJourney", "journey"], "FORBIDDEN")
    ]
