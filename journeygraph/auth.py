"""Who is calling: `Authorization: Bearer <token>` as an API key or a JWT.

API keys look like `jg_<workspace hex>_<secret>` and are checked against a
stored sha256. JWTs are accepted when `JOURNEYGRAPH_JWT_SECRET` (HS256) or
`JOURNEYGRAPH_JWT_PUBLIC_KEY` (RS256/ES256) is set; they must carry `exp`,
`workspace_id` and a space-separated `scope`. `alg: none` is never accepted.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import TYPE_CHECKING

import jwt

from journeygraph.core.principal import Principal, Scope
from journeygraph.db.queries.workspaces import KEY_PREFIX, get_workspace, workspace_for_key

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from journeygraph.core.settings import Settings

ASYMMETRIC = ("RS256", "ES256")
MAX_JWT_LIFETIME = 30 * 86400  # seconds: the furthest ahead a JWT's exp may be


class AuthError(Exception):
    """The request carries no usable credential; the message says why (never which part matched)."""


def _scopes(raw: list[str] | str) -> frozenset[Scope]:
    names = raw.split() if isinstance(raw, str) else raw
    return frozenset(Scope(name) for name in names if name in Scope._value2member_map_)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer` header."""
    if not authorization:
        raise AuthError("missing Authorization header; send 'Authorization: Bearer <API key or JWT>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <API key or JWT>'")
    return token.strip()


def _jwt_claims(token: str, settings: Settings) -> dict[str, object]:
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError:
        raise AuthError("the bearer token is neither an API key nor a JWT") from None
    if algorithm == "HS256" and settings.jwt_secret:
        key = settings.jwt_secret
    elif algorithm in ASYMMETRIC and settings.jwt_public_key:
        key = settings.jwt_public_key
    else:
        raise AuthError(f"JWT algorithm {algorithm!r} is not accepted by this server")
    try:
        claims: dict[str, object] = jwt.decode(
            token, key, algorithms=[algorithm], options={"require": ["exp", "workspace_id", "scope"]}
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("the JWT has expired") from None
    except jwt.InvalidKeyError:
        # PyJWT's own message here is a generator's repr; say what it means instead.
        raise AuthError(
            f"the JWT is signed with {algorithm}, which this server's public key cannot verify"
        ) from None
    except jwt.PyJWTError as error:
        raise AuthError(f"the JWT is not valid: {error}") from None
    _check_expiry(claims["exp"])
    return claims


def _check_expiry(exp: object) -> None:
    """`exp` must be a NumericDate (RFC 7519: a JSON number) no further ahead than MAX_JWT_LIFETIME.

    PyJWT takes a string of digits, or 10^30, as well; a token that never expires is a
    credential that can never be taken back.
    """
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise AuthError("the JWT's exp must be a number (seconds since 1970, RFC 7519 NumericDate)")
    if exp > time.time() + MAX_JWT_LIFETIME:
        raise AuthError(
            f"the JWT's exp is more than {MAX_JWT_LIFETIME // 86400} days ahead; issue shorter-lived tokens"
        )


async def _authenticate(session: AsyncSession, token: str, settings: Settings) -> Principal:
    if token.startswith(KEY_PREFIX):
        found = await workspace_for_key(session, token)
        if found is None:
            raise AuthError("unknown or revoked API key")
        workspace, scopes = found
        # Named by a digest prefix: stable per key, distinct between keys, and no part of the secret.
        return Principal(workspace, _scopes(scopes), f"key:{hashlib.sha256(token.encode()).hexdigest()[:16]}")
    if not (settings.jwt_secret or settings.jwt_public_key):
        raise AuthError("unknown API key")
    claims = _jwt_claims(token, settings)
    try:
        workspace_id = uuid.UUID(str(claims["workspace_id"]))
    except ValueError:
        raise AuthError("the JWT's workspace_id is not a workspace id") from None
    named = await get_workspace(session, workspace_id)
    if named is None:
        raise AuthError("the JWT names no existing workspace")
    scope = claims["scope"]
    # The rate-limit bucket is the workspace's and the subject's together: two workspaces
    # whose tokens both say `sub: "engine"` must not share (or see) one bucket.
    subject = claims.get("sub", "")
    return Principal(named, _scopes(scope if isinstance(scope, str) else ""), f"jwt:{workspace_id}:{subject}")


async def authenticate(
    authorization: str | None, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Principal:
    """The caller behind an Authorization header; AuthError when there is none."""
    token = bearer_token(authorization)
    async with sessions() as session:
        return await _authenticate(session, token, settings)
