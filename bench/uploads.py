"""Upload throughput: a video PUT to tokstack in TikTok's chunks against a plain copy of the
same file on the same disk, side by side, and how much the workers grew while taking it."""

from __future__ import annotations

import shutil
import statistics
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

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


def _chunks(path: Path) -> list[tuple[Path, int, int]]:
    """The file cut into TikTok's chunks beforehand (curl sends a file whole): the files and
    their byte ranges."""
    size = path.stat().st_size
    count = size // CHUNK
    made = []
    with path.open("rb") as source:
        for index in range(count):
            first = index * CHUNK
            last = size - 1 if index == count - 1 else first + CHUNK - 1
            piece = path.with_name(f"{path.name}.{index}")
            piece.write_bytes(source.read(last - first + 1))
            made.append((piece, first, last))
    return made


def _upload(base: str, token: str, size: int, chunks: list[tuple[Path, int, int]]) -> float:
    """Seconds the PUTs took (curl, as wrk for the other scenarios: a client in C); then waits
    for processing to finish, which counts toward the workers' memory."""
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "post_info": {"title": "bench upload", "privacy_level": "SELF_ONLY"},
        "source_info": {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": CHUNK,
                        "total_chunk_count": len(chunks)},
    }  # fmt: skip
    curl = shutil.which("curl")
    if curl is None:
        raise RuntimeError("curl not found: apt-get install -y curl")
    with httpx.Client(base_url=base, timeout=600) as client:
        init = client.post("/v2/post/publish/video/init/", json=body, headers=headers)
        init.raise_for_status()
        data = init.json()["data"]
        started = time.perf_counter()
        for piece, first, last in chunks:
            sent = subprocess.run(  # noqa: S603 - argv built here
                [curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
                 "-H", "Content-Type: video/mp4",
                 "-H", f"Content-Range: bytes {first}-{last}/{size}",
                 "--data-binary", f"@{piece}", data["upload_url"]],
                capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            if sent.stdout not in ("201", "206"):
                raise RuntimeError(f"upload of bytes {first}-{last}: HTTP {sent.stdout}")
        seconds = time.perf_counter() - started
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
    chunks = _chunks(source)
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
            uploads.append(size_mb / _upload(server.base, token, size_mb * MB, chunks))
            grown = [(procs.peak_rss_kib(pid) or 0) - before[pid] for pid in workers]
            growth.append(round(max(grown) / 1024, 1))
    finally:
        source.unlink(missing_ok=True)
        for piece, _, _ in chunks:
            piece.unlink(missing_ok=True)
    return UploadResult(
        size_mb, [round(u, 1) for u in uploads], [round(c, 1) for c in copies], growth
    )
