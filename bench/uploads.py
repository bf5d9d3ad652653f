"""Upload throughput: a video PUT to tokstack in TikTok's chunks against a plain copy of the
same file on the same disk, side by side, and how much the workers grew while taking it."""

from __future__ import annotations

import shutil
import socket
import statistics
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench import procs
from tokstack.services.media import make_clip

MB = 1024 * 1024
CHUNK = 64 * MB  # TikTok's largest regular chunk; the last one takes the remainder


@dataclass(frozen=True)
class UploadResult:
    size_mb: int
    upload_mb_s: list[float]
    copy_mb_s: list[float]
    growth_mib: list[float]  # per round: the most any worker grew (peak - resident before)

    @property
    def ratio(self) -> float:
        return statistics.median(
            u / c for u, c in zip(self.upload_mb_s, self.copy_mb_s, strict=True)
        )

    def as_json(self) -> dict[str, object]:
        return {
            "size_mb": self.size_mb,
            "upload_mb_s": self.upload_mb_s,
            "copy_mb_s": self.copy_mb_s,
            "worker_growth_mib": self.growth_mib,
            "upload_vs_copy": round(self.ratio, 3),
        }


def _video(path: Path, size: int) -> None:
    """A real MP4 grown to ``size`` with a trailing ``free`` box (probed like any upload)."""
    clip = make_clip(2.0)
    room = size - len(clip)
    with path.open("wb") as out:
        out.write(clip + struct.pack(">I", room) + b"free")
        left = room - 8
        block = bytes(MB)
        while left > 0:
            out.write(block[: min(MB, left)])
            left -= MB


def _resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM starts again from VmRSS


def _ranges(size: int) -> list[tuple[int, int]]:
    """TikTok's chunks of a file of ``size`` bytes: (first, last) byte of each."""
    count = size // CHUNK
    return [(i * CHUNK, size - 1 if i == count - 1 else (i + 1) * CHUNK - 1) for i in range(count)]


def _answer(sock: socket.socket, pending: bytes) -> tuple[int, bytes]:
    """One HTTP answer's status (a 100 Continue skipped), and what was read past it."""
    while True:
        while b"\r\n\r\n" not in pending:
            piece = sock.recv(65536)
            if not piece:
                raise RuntimeError("the server closed the connection")
            pending += piece
        head, pending = pending.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        if status != 100:
            break
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(pending) < length:
        pending += sock.recv(65536)
    return status, pending[length:]


def _put_all(upload_url: str, source: Path, size: int) -> list[int]:
    """PUTs every chunk on one keep-alive connection, each body sent by the kernel from the
    file (``sendfile``): the client costs next to nothing, so the server is what is measured.
    (curl reads a body given with --data-binary whole into memory first, which doubled the
    time measured, and with -T it appends the file's name to a URL ending in ``/``.)"""
    parts = urlsplit(upload_url)
    statuses, pending = [], b""
    with (
        socket.create_connection((parts.hostname, parts.port or 80), timeout=600) as sock,
        source.open("rb") as body,
    ):
        for first, last in _ranges(size):
            sock.sendall(
                f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Content-Type: video/mp4\r\nContent-Range: bytes {first}-{last}/{size}\r\n"
                f"Content-Length: {last - first + 1}\r\n\r\n".encode()
            )
            sock.sendfile(body, offset=first, count=last - first + 1)
            status, pending = _answer(sock, pending)
            statuses.append(status)
    return statuses


def _upload(base: str, token: str, source: Path, size: int) -> float:
    """Seconds the PUTs took; then waits for processing to finish, which counts toward the
    workers' memory."""
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "post_info": {"title": "bench upload", "privacy_level": "SELF_ONLY"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": CHUNK,
                        "total_chunk_count": len(_ranges(size))},
    }  # fmt: skip
    with httpx.Client(base_url=base, timeout=600) as client:
        init = client.post("/v2/post/publish/video/init/", json=body, headers=headers)
        init.raise_for_status()
        data = init.json()["data"]
        started = time.perf_counter()
        statuses = _put_all(data["upload_url"], source, size)
        seconds = time.perf_counter() - started
        expected = [206] * (len(statuses) - 1) + [201]
        if statuses != expected:
            raise RuntimeError(f"upload answered {statuses} (expected {expected})")
        for _ in range(600):
            status = client.post(
                "/v2/post/publish/status/fetch/",
                json={"publish_id": data["publish_id"]},
                headers=headers,
            ).json()["data"]["status"]
            if status != "PROCESSING_UPLOAD":
                break
            time.sleep(0.1)
        if status != "PUBLISH_COMPLETE":
            raise RuntimeError(f"the bench upload ended {status}")
    return seconds


def measure(
    server: procs.Server, token: str, workdir: Path, size_mb: int, rounds: int
) -> UploadResult:
    source = workdir / "upload-source.mp4"
    _video(source, size_mb * MB)
    workers = procs.children(server.proc.pid) or server.workers
    uploads, copies, growth = [], [], []
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            shutil.copyfile(source, workdir / "upload-copy.mp4")
            copies.append(size_mb / (time.perf_counter() - started))
            (workdir / "upload-copy.mp4").unlink()
            before = {pid: _resident_kib(pid) for pid in workers}
            for pid in workers:
                _reset_peak(pid)
            uploads.append(size_mb / _upload(server.base, token, source, size_mb * MB))
            grown = [(procs.peak_rss_kib(pid) or 0) - before[pid] for pid in workers]
            growth.append(round(max(grown) / 1024, 1))
    finally:
        source.unlink(missing_ok=True)
    return UploadResult(
        size_mb, [round(u, 1) for u in uploads], [round(c, 1) for c in copies], growth
    )
