"""The user-info fast path serializes once per token and field list, to the same bytes."""

from __future__ import annotations

import dataclasses

import orjson

from tokstack.domain.models import AccessContext, TokenRecord, User
from tokstack.services.avatars import AvatarService
from tokstack.services.blobs import MemoryBlobStore
from tokstack.services.user_info import UserInfo
from tokstack.web import render

NOW = 1_767_225_600
FIELDS = ("avatar_url", "display_name", "open_id", "union_id")


def access(display_name: str = "Alice") -> AccessContext:
    user = User(
        id=1,
        username="alice",
        display_name=display_name,
        password_hash=None,
        bio_description="",
        is_verified=False,
        follower_count=0,
        following_count=0,
        likes_count=0,
        video_count=0,
        avatar_key="k1",
        status="active",
        created_at=NOW,
    )
    token = TokenRecord("d" * 64, "access", 1, 1, "g", ("user.info.basic",), NOW, NOW + 60)
    return AccessContext(token, user, "open-1", "union-1", "web")


def service() -> UserInfo:
    return UserInfo(AvatarService(MemoryBlobStore(), b"k", "http://t", ttl=3600), "http://t")


def test_the_envelope_is_byte_for_byte_what_v2_ok_builds() -> None:
    users = service()
    context = access()
    user = users.render(context, FIELDS, NOW)
    fast = render.v2_ok_user(users.render_json(context, FIELDS, NOW), "LOG1")
    assert fast.body == render.v2_ok({"user": user}, "LOG1").body
    assert orjson.loads(fast.body)["data"]["user"]["display_name"] == "Alice"
    assert fast.headers["x-tt-logid"] == "LOG1"


def test_a_new_access_context_or_avatar_expiry_renders_again() -> None:
    users = service()
    first = access("Alice")
    assert users.render_json(first, FIELDS, NOW) is users.render_json(first, FIELDS, NOW)
    renamed = dataclasses.replace(first, user=dataclasses.replace(first.user, display_name="Al"))
    assert orjson.loads(users.render_json(renamed, FIELDS, NOW))["display_name"] == "Al"
    later = NOW + 7200  # the signed avatar URL moves on the hour
    before = orjson.loads(users.render_json(first, FIELDS, NOW))["avatar_url"]
    after = orjson.loads(users.render_json(first, FIELDS, later))["avatar_url"]
    assert before != after


def test_reloads_of_one_token_replace_its_entry() -> None:
    users = service()
    for n in range(50):  # as the access cache reloads a context once a second
        users.render_json(access(f"Alice {n}"), FIELDS, NOW)
    assert len(users._rendered) == 1
