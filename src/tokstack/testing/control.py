"""The emulator's control API (``/_tokstack/``) over HTTP: the calls behind the handle,
its ``faults`` and its ``clock``."""

from __future__ import annotations

from typing import Any

import httpx


class ControlError(RuntimeError):
    """The control API refused a call: ``status`` and its ``message``."""

    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message
        super().__init__(f"{status}: {message}")


class Control:
    """The control API's HTTP calls (with the emulator token)."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        answer = self.http.request(method, f"/_tokstack/{path}", json=body, params=query)
        if answer.status_code >= 400:
            try:
                message = answer.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = answer.text[:500]
            raise ControlError(answer.status_code, message)
        return answer.json()


class Faults:
    """``POST``/``GET``/``DELETE /_tokstack/faults``: ``add(**rule)`` takes its fields."""

    def __init__(self, control: Control) -> None:
        self._control = control

    def add(self, **rule: Any) -> dict[str, Any]:
        """e.g. ``add(endpoint="user.info", error="rate_limit_exceeded", times=1)``; the rule
        with its ``id``."""
        return dict(self._control.call("POST", "faults", rule))

    def list(self) -> list[dict[str, Any]]:
        return list(self._control.call("GET", "faults")["faults"])

    def remove(self, rule_id: str) -> None:
        self._control.call("DELETE", f"faults/{rule_id}")

    def clear(self) -> int:
        return int(self._control.call("DELETE", "faults")["removed"])


class Clock:
    """The emulated clock that codes, tokens, rate limits and webhooks read."""

    def __init__(self, control: Control) -> None:
        self._control = control

    def _change(self, **change: Any) -> dict[str, Any]:
        return dict(self._control.call("POST", "clock", change))

    @property
    def now(self) -> int:
        """The server's time, in UNIX seconds."""
        return int(self._control.call("GET", "clock")["now"])

    def advance(self, seconds: float) -> int:
        return int(self._change(advance=int(seconds))["now"])

    def set(self, unix: float) -> int:
        return int(self._change(set=int(unix))["now"])

    def freeze(self) -> None:
        self._change(freeze=True)

    def unfreeze(self) -> None:
        self._change(freeze=False)

    def reset(self) -> None:
        self._change(reset=True)
