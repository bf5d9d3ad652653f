"""The pytest plugin (entry point ``pytest11``): the ``tokstack`` fixture.

Importing this module costs nothing: the server starts the first time a test asks for the
fixture (once per session, so once per pytest-xdist worker), and its client code is
imported then. ``-p no:tokstack`` turns the plugin off.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tokstack.testing.handle import Tokstack
    from tokstack.testing.server import EmulatorProcess


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "tokstack_seed",
        "A tokstack seed document (YAML or JSON) applied at start and on every reset",
        default="",
    )
    parser.addini(
        "tokstack_env",
        "Extra TOKSTACK_* settings for the emulator, one NAME=VALUE per line",
        type="linelist",
        default=[],
    )


@pytest.fixture(scope="session")
def tokstack_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmulatorProcess]:
    """The emulator process of this session (of this xdist worker)."""
    from tokstack.testing.server import EmulatorProcess

    config = request.config
    seed = str(config.getini("tokstack_seed"))
    pairs = [line.partition("=") for line in config.getini("tokstack_env")]
    process = EmulatorProcess(
        tmp_path_factory.mktemp("tokstack"),
        seed=(Path(config.rootpath) / seed) if seed else None,
        env={name.strip(): value.strip() for name, _, value in pairs if name.strip()},
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def tokstack(tokstack_server: EmulatorProcess) -> Iterator[Tokstack]:
    """tokstack in emulator mode, reset for this test: ``app()``, ``user()``, ``token()``,
    ``authorize()``, ``faults``, ``clock``, ``requests()``, ``webhooks()``, ``client(app)``."""
    from tokstack.testing.control import Control
    from tokstack.testing.handle import Tokstack

    handle = Tokstack(
        tokstack_server.url,
        tokstack_server.token,
        Control(tokstack_server.url, tokstack_server.token),
    )
    handle.reset()
    try:
        yield handle
    finally:
        handle.close()
