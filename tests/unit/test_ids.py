from __future__ import annotations

import re
import string
import time
from collections import Counter

from tokstack import ids


def test_log_id_is_utc_timestamp_plus_20_hex() -> None:
    moment = 1_661_802_442.5  # 2022-08-29 19:47:22 UTC
    value = ids.log_id(moment)
    assert len(value) == 34
    assert value.startswith("20220829194722")
    assert re.fullmatch(r"[0-9A-F]{20}", value[14:])
    assert ids.log_id(moment) != value


def test_log_id_uses_utc_now() -> None:
    assert ids.log_id()[:12] == time.strftime("%Y%m%d%H%M", time.gmtime())


def test_tokens_have_tiktoks_live_shape() -> None:
    for prefix in ("act", "rft", "clt"):
        value = ids.token(prefix, "va")
        assert re.fullmatch(prefix + r"\.[A-Za-z0-9]{60}![0-9]{4}\.va", value)
        assert len(value) == 72
    assert len({ids.token("act", "va") for _ in range(100)}) == 100


def test_client_credentials_shapes() -> None:
    assert re.fullmatch(r"aw[a-z0-9]{14}", ids.client_key())
    assert re.fullmatch(r"[A-Za-z0-9]{32}", ids.client_secret())


def test_hasher_is_keyed_and_constant_time_comparable() -> None:
    a, b = ids.SecretHasher(b"k1"), ids.SecretHasher(b"k2")
    assert a.digest("secret") != b.digest("secret")
    assert len(a.digest("secret")) == 64
    assert a.matches("secret", a.digest("secret"))
    assert not a.matches("Secret", a.digest("secret"))


def test_token_characters_are_uniform_over_the_alphabet() -> None:
    # 1.2M characters over 62 symbols: each near 19,355; bias of a naive ``byte % 62`` (which
    # favours the first eight symbols by 25%) or a missing symbol would show far outside 5%.
    counts = Counter("".join(ids.token("act", "va")[4:64] for _ in range(20_000)))
    assert set(counts) == set(string.ascii_letters + string.digits)
    expected = 20_000 * 60 / 62
    assert all(abs(n - expected) < 0.05 * expected for n in counts.values())
