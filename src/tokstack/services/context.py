"""What every service needs, built once by the container and passed in."""

from __future__ import annotations

from dataclasses import dataclass

from tokstack.clock import Clock
from tokstack.config import TokenPolicy
from tokstack.ids import SecretHasher
from tokstack.services.access_cache import AccessCache, AppCache
from tokstack.services.avatars import AvatarService
from tokstack.services.secret_box import SecretBox
from tokstack.storage.ports import EphemeralStore, Store


@dataclass(frozen=True)
class Context:
    store: Store
    ephemeral: EphemeralStore
    hasher: SecretHasher
    clock: Clock
    policy: TokenPolicy
    region: str
    avatars: AvatarService
    public_url: str
    box: SecretBox
    access_cache: AccessCache | None = None
    app_cache: AppCache | None = None
    emulator: bool = False  # serve --demo / TOKSTACK_DEMO=1
