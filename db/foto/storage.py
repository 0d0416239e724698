"""Photo files on disk: paths, writing, reading, checking, backup and restore."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import tarfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, func, or_, select

from db.foto.images import sha256
from db.schema import Foto
from db.settings import foto_dir

# --- the store -----------------------------------------------------------------------------------

_FILE_NAME = re.compile(r"^[0-9a-f]{64}\.jpg$")


def root_dir(root: Path | None = None) -> Path:
    return Path(root) if root is not None else _foto_dir(os.environ.get("KULAKAN_FOTO_DIR", ""))


@functools.lru_cache(maxsize=8)
def _foto_dir(_env: str) -> Path:
    return foto_dir()  # resolved once per setting value (resolving costs a few system calls)


_SHA = re.compile(r"[0-9a-f]{64}")


def path_of(sha: str, root: Path | None = None) -> Path:
    if not _SHA.fullmatch(sha):
        raise ValueError("bukan SHA-256")
    return root_dir(root) / sha[:2] / f"{sha}.jpg"


def write_file(data: bytes, root: Path | None = None) -> str:
    """Put ``data`` in the store (atomic: temp file, fsync, rename); returns its SHA-256."""
    sha = sha256(data)
    path = path_of(sha, root)
    if path.exists() and path.stat().st_size == len(data):
        return sha
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{sha}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return sha


@functools.lru_cache(maxsize=1024)
def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def read_file(sha: str, root: Path | None = None) -> bytes | None:
    """Bytes of a stored file (cached: content-addressed files never change), None when missing."""
    try:
        return _read(str(path_of(sha, root)))
    except FileNotFoundError:
        return None


def _delete_if_unused(conn: Connection, shas: Iterable[str], root: Path | None) -> None:
    for sha in set(shas):
        used = conn.scalar(select(func.count()).where(or_(Foto.sha256 == sha, Foto.sha256_thumb == sha)))
        if not used:
            path_of(sha, root).unlink(missing_ok=True)
            _read.cache_clear()


# --- consistency, backup ----------------------------------------------------------------------------


@dataclass
class FotoReport:
    berkas: int = 0  # files in the store
    baris: int = 0  # rows (also soft-deleted)
    yatim: list[str] = dataclasses.field(default_factory=list)  # files without a row
    dihapus: int = 0  # orphan files removed
    hilang: list[int] = dataclasses.field(default_factory=list)  # rows whose file is missing

    def ringkasan(self) -> str:
        return (
            f"{self.berkas} berkas, {self.baris} baris foto; berkas tanpa baris: {len(self.yatim)} "
            f"(dihapus {self.dihapus}); baris tanpa berkas: {len(self.hilang)}"
            + (f" (id {', '.join(map(str, self.hilang[:20]))})" if self.hilang else "")
        )


def _stored_files(root: Path) -> Iterable[Path]:
    if not root.exists():
        return []
    return (p for p in root.glob("??/*") if p.is_file())


def check_foto(
    engine: Engine, *, root: Path | None = None, hapus: bool = True, umur_min_detik: float = 600
) -> FotoReport:
    """Find files without a row (removed when ``hapus``, if older than ``umur_min_detik``: an upload in
    flight writes its file a moment before its row commits) and rows whose file is missing (reported)."""
    root = root_dir(root)
    with engine.connect() as conn:
        rows = conn.execute(select(Foto.id, Foto.sha256, Foto.sha256_thumb)).all()
    used = {s for r in rows for s in (r.sha256, r.sha256_thumb)}
    rep = FotoReport(baris=len(rows))
    now = time.time()
    present: set[str] = set()
    for path in _stored_files(root):
        rep.berkas += 1
        sha = path.name[:-4] if _FILE_NAME.match(path.name) else None
        if sha and sha in used:
            present.add(sha)
            continue
        rep.yatim.append(str(path.relative_to(root)))
        if hapus and now - path.stat().st_mtime >= umur_min_detik:
            path.unlink(missing_ok=True)
            rep.dihapus += 1
    rep.hilang = [r.id for r in rows if r.sha256 not in present or r.sha256_thumb not in present]
    _read.cache_clear()
    return rep


def archive_path(backup_file: str | os.PathLike) -> Path:
    """The photo archive written beside a database backup: ``FILE.foto.tar``."""
    p = Path(backup_file)
    return p.with_name(p.name + ".foto.tar")


def backup_foto(dest: str | os.PathLike, root: Path | None = None) -> int:
    """Every stored file into an uncompressed tar (JPEGs do not compress); returns the count."""
    root = root_dir(root)
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".tmp")
    n = 0
    with tarfile.open(tmp, "w") as tar:
        for path in sorted(_stored_files(root)):
            if _FILE_NAME.match(path.name):
                tar.add(path, arcname=f"{path.parent.name}/{path.name}", recursive=False)
                n += 1
    os.replace(tmp, dest)
    return n


def restore_foto(src: str | os.PathLike, root: Path | None = None) -> int:
    """Put the files of a photo archive back into the store. Only ``ab/<sha256>.jpg`` members whose
    content has that hash are taken (no path tricks, no foreign files); returns the count."""
    n = 0
    with tarfile.open(src, "r") as tar:
        for m in tar:
            parts = m.name.split("/")
            if not (m.isfile() and len(parts) == 2 and _FILE_NAME.match(parts[1]) and parts[1][:2] == parts[0]):
                continue
            fh = tar.extractfile(m)
            if fh is None:
                continue
            data = fh.read()
            if sha256(data) == parts[1][:-4]:
                write_file(data, root)
                n += 1
    _read.cache_clear()
    return n
