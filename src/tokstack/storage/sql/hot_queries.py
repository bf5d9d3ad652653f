"""The statements of the hot paths (access context, token mint and renewal), built once."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, select

from tokstack.domain import scopes as scope_list
from tokstack.domain.models import (
    TokenRecord,
)
from tokstack.storage.sql.rows import (
    USER_COLUMNS,
)
from tokstack.storage.sql.tables import (
    apps,
    authorizations,
    tokens,
    union_ids,
    users,
)

ACCESS_QUERY = (
    select(
        tokens,
        authorizations.c.open_id,
        authorizations.c.revoked_at.label("authorization_revoked_at"),
        union_ids.c.union_id,
        apps.c.platform.label("app_platform"),
        apps.c.rate_limit_per_minute.label("app_rate_limit"),
        apps.c.client_key.label("app_client_key"),
        *(users.c[name].label(f"u_{name}") for name in USER_COLUMNS),
    )
    .select_from(
        tokens.join(authorizations, authorizations.c.id == tokens.c.authorization_id)
        .join(apps, apps.c.id == tokens.c.app_id)
        .join(users, users.c.id == authorizations.c.user_id)
        .outerjoin(
            union_ids,
            and_(
                union_ids.c.user_id == users.c.id,
                union_ids.c.developer_id == apps.c.developer_id,
            ),
        )
    )
    .where(tokens.c.digest == bindparam("digest"))
)


# The token endpoint's writes, as plain SQL: this path runs thousands of times a second and
# SQLAlchemy's statement building and caching cost more than the database's work here.
TOKEN_COLUMNS = (
    "digest",
    "kind",
    "app_id",
    "authorization_id",
    "grant_id",
    "scopes",
    "issued_at",
    "expires_at",
)
ACTIVE_OPEN_ID = "SELECT open_id FROM authorizations WHERE id = ? AND revoked_at IS NULL"
# a refresh token the grant may spend: the conditions the unit path checks one by one
SPENDABLE = (
    "t.digest = ? AND t.kind = 'refresh' AND t.app_id = ? AND t.expires_at > ?"
    " AND t.rotated_at IS NULL AND t.revoked_at IS NULL"
)
USABLE_REFRESH = (
    "SELECT t.authorization_id, t.grant_id, t.scopes, t.expires_at, a.open_id"  # noqa: S608
    " FROM tokens t JOIN authorizations a ON a.id = t.authorization_id"
    f" WHERE {SPENDABLE} AND a.revoked_at IS NULL"
)
ROTATE = "UPDATE tokens SET rotated_at = ? WHERE digest = ?"


def token_row(record: TokenRecord) -> tuple[Any, ...]:
    return (
        record.digest,
        record.kind,
        record.app_id,
        record.authorization_id,
        record.grant_id,
        scope_list.format_list(record.scopes),
        record.issued_at,
        record.expires_at,
    )


def flat(rows: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    return tuple(value for row in rows for value in row)


@functools.cache
def insert_tokens_sql(count: int) -> str:
    row = "(" + ", ".join("?" * len(TOKEN_COLUMNS)) + ")"
    columns = ", ".join(TOKEN_COLUMNS)
    return f"INSERT INTO tokens ({columns}) VALUES {', '.join([row] * count)}"  # noqa: S608 - constants


# PostgreSQL runs each write below as one statement (data-modifying CTEs) on the autocommit
# pool: one round trip, committed on its own, durable when it returns.
@functools.cache
def pg_mint_sql(count: int) -> str:
    types = ("text", "text", "bigint", "bigint", "text", "text", "bigint", "bigint")
    row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    columns = ", ".join(TOKEN_COLUMNS)
    return (
        "WITH a AS (SELECT open_id FROM authorizations WHERE id = %s AND revoked_at IS NULL"  # noqa: S608
        " FOR SHARE),"
        f" i AS (INSERT INTO tokens ({columns}) SELECT * FROM"
        f" (VALUES {', '.join([row] * count)}) AS v({columns})"
        " WHERE EXISTS (SELECT FROM a))"
        " SELECT open_id FROM a"
    )


def pg_renew_sql(rotate: bool) -> str:
    # ``a`` locks the authorization row (FOR SHARE) like the unit path's ``active``: a revoke
    # committed first is seen by the lock's recheck, one committed later waits for this
    # statement and then revokes what it inserted.
    spend = (
        "UPDATE tokens t SET rotated_at = %(now)s FROM a"
        if rotate
        else "SELECT t.authorization_id, t.grant_id, t.scopes, t.expires_at, a.open_id"
        " FROM tokens t, a"
    )
    returning = (
        " RETURNING t.authorization_id, t.grant_id, t.scopes, t.expires_at, a.open_id"
        if rotate
        else ""
    )
    columns = ", ".join(TOKEN_COLUMNS)
    return (
        "WITH a AS (SELECT id, open_id FROM authorizations"  # noqa: S608
        " WHERE id = (SELECT authorization_id FROM tokens WHERE digest = %(digest)s)"
        " AND revoked_at IS NULL FOR SHARE),"
        f" s AS ({spend} WHERE t.digest = %(digest)s AND t.kind = 'refresh'"
        " AND t.app_id = %(app_id)s AND t.expires_at > %(now)s AND t.rotated_at IS NULL"
        f" AND t.revoked_at IS NULL AND t.authorization_id = a.id{returning}),"
        f" i AS (INSERT INTO tokens ({columns})"
        " SELECT %(access)s::text, 'access', %(app_id)s::bigint, s.authorization_id,"
        " COALESCE(NULLIF(s.grant_id, ''), %(grant_id)s::text), s.scopes, %(now)s::bigint,"
        " %(access_expires_at)s::bigint FROM s"
        " UNION ALL SELECT %(refresh)s::text, 'refresh', %(app_id)s::bigint, s.authorization_id,"
        " COALESCE(NULLIF(s.grant_id, ''), %(grant_id)s::text), s.scopes, %(now)s::bigint,"
        " s.expires_at FROM s WHERE %(refresh)s::text IS NOT NULL)"
        " SELECT open_id, scopes, expires_at FROM s"
    )


PG_RENEW = {rotate: pg_renew_sql(rotate) for rotate in (False, True)}
