"""Typed settings from ``TOKSTACK_*`` environment variables (and a ``.env`` file)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


@dataclass(frozen=True)
class TokenPolicy:
    """The lifetimes and refresh behaviour the token core needs, and nothing else."""

    access_ttl: int
    refresh_ttl: int
    client_ttl: int
    code_ttl: int
    rotate_refresh: bool


PROFILES: dict[str, tuple[int, int, bool]] = {
    # name: (access ttl, refresh ttl, rotate refresh tokens)
    "classic": (86_400, 31_536_000, False),
    "2026": (7_200, 15_552_000, True),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOKSTACK_", env_file=".env", extra="ignore")

    data_dir: Path = Path("tokstack-data")
    database_url: str | None = None
    redis_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = None
    profile: Literal["classic", "2026"] = "classic"
    access_token_ttl: int | None = Field(default=None, gt=0)
    refresh_token_ttl: int | None = Field(default=None, gt=0)
    client_token_ttl: int = Field(default=7_200, gt=0)
    code_ttl: int = Field(default=600, gt=0)
    region: str = Field(default="va", pattern=r"^[a-z0-9]{2}$")
    avatar_url_ttl: int = Field(default=172_800, gt=0)
    db_pool_size: int = Field(default=20, gt=0)
    db_timeout: float = Field(default=5.0, gt=0)
    redis_timeout: float = Field(default=2.0, gt=0)
    redis_prefix: str = "tokstack:"
    # the blob store (avatars, icons, covers, media, upload chunks): unset, a directory in
    # data_dir; s3://bucket[/prefix]?endpoint=http://host:port&region=R for S3-compatible
    # storage shared by every node (credentials in the two settings below)
    blob_url: str | None = None
    blob_access_key: str | None = None
    blob_secret_key: str | None = None
    # a request's whole budget; unset: TOKSTACK_DB_TIMEOUT + 1 s (see request_budget)
    request_timeout: float | None = Field(default=None, gt=0)
    readiness_timeout: float = Field(default=2.0, gt=0)
    # read by tokstack.web.protocol in every server process (declared here to be validated)
    header_timeout: float = Field(default=10.0, gt=0)
    body_timeout: float = Field(default=30.0, gt=0)
    access_cache_ttl: float | None = Field(default=None, ge=0)
    rate_limit_per_minute: int = Field(default=600, gt=0)
    token_rate_limit_per_minute: int = Field(default=600, gt=0)
    webhooks: bool = True
    webhook_retry_base: int = Field(default=10, gt=0)
    webhook_poll_interval: float = Field(default=1.0, gt=0)
    webhook_timeout: float = Field(default=5.0, gt=0)
    # the Content Posting API's processing job (any worker may take any publish)
    publisher: bool = True
    publish_poll_interval: float = Field(default=1.0, gt=0)
    demo: bool = False
    # a seed document (YAML or JSON) applied in emulator mode, at start and on every reset
    seed: Path | None = None
    # the control API's bearer token (emulator mode); required to listen beyond loopback
    emulator_token: str | None = Field(default=None, min_length=16)
    journal_size: int = Field(default=10_000, gt=0, le=1_000_000)
    auto_consent: str | None = None
    migrate_on_start: bool = True
    log_level: str = "info"
    access_log: bool = False

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tokstack.db'}"

    @property
    def request_budget(self) -> float:
        """Seconds within which every request is answered (a 503 when a backend hangs)."""
        return self.request_timeout or self.db_timeout + 1.0

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def token_policy(self) -> TokenPolicy:
        access, refresh, rotate = PROFILES[self.profile]
        return TokenPolicy(
            access_ttl=self.access_token_ttl or access,
            refresh_ttl=self.refresh_token_ttl or refresh,
            client_ttl=self.client_token_ttl,
            code_ttl=self.code_ttl,
            rotate_refresh=rotate,
        )

    def secret_key_bytes(self) -> bytes:
        """The key that hashes tokens and signs URLs and cookies.

        The embedded default keeps a generated key beside its SQLite file; a scale-out
        deployment must set ``TOKSTACK_SECRET_KEY`` so every node agrees.
        """
        if self.secret_key:
            if len(self.secret_key) < 32 and not self.demo:
                raise ValueError("TOKSTACK_SECRET_KEY must be at least 32 characters")
            return self.secret_key.encode()
        if not self.is_sqlite:
            raise ValueError("TOKSTACK_SECRET_KEY must be set when the database is not SQLite")
        return _file_key(self.data_dir / "secret.key")


def _file_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker created it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
    return value
