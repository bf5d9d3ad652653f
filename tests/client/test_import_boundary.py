"""``tokstack.client`` runs with httpx and the standard library only: in a fresh virtual
environment holding httpx and the client's files, and nothing of the server."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx

SRC = Path(__file__).resolve().parents[2] / "src" / "tokstack"
USE = """
import sys
from tokstack.client import TikTok, webhooks
with TikTok("awkey", "secret", base_url="http://127.0.0.1:1") as tiktok:
    print(tiktok.authorize_url("https://app.example/cb/", ["user.info.basic"]).url)
server = [m for m in sys.modules if m.split(".")[0] in ("starlette", "sqlalchemy", "pydantic")]
server += [m for m in sys.modules if m.startswith("tokstack.")
           and not m.startswith("tokstack.client")]
assert not server, server
"""


def _distribution_folders(name: str) -> list[Path]:
    module = __import__(name)
    return [Path(module.__file__).parent]


def test_the_client_imports_in_a_venv_with_only_httpx(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")],
                   check=True)  # fmt: skip
    site = next((tmp_path / "venv" / "lib").glob("python3*/site-packages"))
    # httpx and what it needs, copied from this environment (no network in the test)
    for name in ("httpx", "httpcore", "h11", "anyio", "idna", "certifi", "sniffio"):
        try:
            folders = _distribution_folders(name)
        except ImportError:
            continue
        for folder in folders:
            shutil.copytree(folder, site / folder.name)
    if (Path(httpx.__file__).parent.parent / "typing_extensions.py").exists():
        shutil.copy(Path(httpx.__file__).parent.parent / "typing_extensions.py", site)
    (site / "tokstack").mkdir()
    shutil.copy(SRC / "__init__.py", site / "tokstack")
    shutil.copytree(SRC / "client", site / "tokstack" / "client")
    python = tmp_path / "venv" / "bin" / "python"
    done = subprocess.run([str(python), "-I", "-c", USE], capture_output=True, text=True,
                          cwd=tmp_path, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("http://127.0.0.1:1/v2/auth/authorize/?client_key=awkey")
