"""Every setting an operator can set is documented."""

from __future__ import annotations

from pathlib import Path

from tokstack.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_in_the_deployment_reference() -> None:
    text = (ROOT / "docs" / "deployment.md").read_text()
    missing = [
        f"TOKSTACK_{name.upper()}"
        for name in Settings.model_fields
        if f"`TOKSTACK_{name.upper()}`" not in text
    ]
    assert missing == []
