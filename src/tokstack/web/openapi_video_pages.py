"""The OpenAPI part of tokstack's own video pages: a video's page (share_url), the embed
player (embed_link) and its captions, the signed media URL, and the account page's videos."""

from __future__ import annotations

from typing import Any

from tokstack.web.openapi_parts import (
    CSRF,
    FORM_REFUSED,
    HTML,
    TEXT,
    TOO_LARGE_PAGE,
    form_body,
    html_answer,
    page_op,
    path_param,
    redirect_answer,
    signed_image,
)

NOT_PUBLIC = html_answer("No such video, or it is not public.")


def _account() -> dict[str, Any]:
    signed_in = {"303": redirect_answer("Done, or not signed in: to the next page.")}
    refused = {"400": FORM_REFUSED, "403": FORM_REFUSED, "413": TOO_LARGE_PAGE}
    missing = {
        "404": {"description": "Not the user's video (or draft).", "content": {**HTML, **TEXT}}
    }
    video = [path_param("video_id")]
    upload = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        **CSRF,
                        "video": {"type": "string", "format": "binary"},
                        "title": {"type": "string"},
                        "privacy_level": {"type": "string"},
                    },
                }
            }
        },
    }
    form = form_body({**CSRF, "privacy_level": {"type": "string"}})
    return {
        "/account/videos": {
            "post": page_op(
                "Adds a video from a file (256 MB at most): probed, its cover its first frame.",
                {**signed_in, **refused},
                requestBody=upload,
            )
        },
        "/account/videos/{video_id}/delete": {
            "post": page_op(
                "Deletes one of the user's videos (an app that posted it is told).",
                {**signed_in, **refused, **missing},
                parameters=video,
                requestBody=form,
            )
        },
        "/account/videos/{video_id}/privacy": {
            "post": page_op(
                "Changes who can watch a posted video (an app that posted it is told).",
                {**signed_in, **refused, **missing},
                parameters=video,
                requestBody=form,
            )
        },
        "/account/drafts/{video_id}/post": {
            "post": page_op(
                "Posts a draft an app uploaded (the publish becomes PUBLISH_COMPLETE).",
                {**signed_in, **refused, **missing},
                parameters=video,
                requestBody=form,
            )
        },
        "/account/drafts/{video_id}/discard": {
            "post": page_op(
                "Discards a draft an app uploaded.",
                {**signed_in, **refused, **missing},
                parameters=video,
                requestBody=form,
            )
        },
    }


def video_page_paths() -> dict[str, Any]:
    video = [path_param("video_id")]
    return {
        "/@{username}/video/{video_id}": {
            "get": page_op(
                "A public video's page under its creator's profile (where share_url points).",
                {"200": html_answer("The page, with the video."), "404": NOT_PUBLIC},
                parameters=[path_param("username"), *video],
            )
        },
        "/player/v1/{video_id}": {
            "get": page_op(
                "The embeddable player (where embed_link points); any site may frame it.",
                {"200": html_answer("The player."), "404": NOT_PUBLIC},
                parameters=video,
            )
        },
        "/player/v1/{video_id}/captions.vtt": {
            "get": page_op(
                "The player's captions track (WebVTT).",
                {
                    "200": {"description": "WebVTT", "content": {"text/vtt": {}}},
                    "404": NOT_PUBLIC,
                },
                parameters=video,
            )
        },
        "/obj/tos-video-0068/{name}": signed_image(
            "A signed, expiring media URL (6 hours), streamed.",
            {
                kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in ("video/mp4", "video/quicktime", "video/webm")
            },
        ),
        **_account(),
    }
