"""Photos and documents, stored content-addressed (SHA-256) behind fsspec.

The default is a folder under the data directory (``files/ab/cdef...``); a files URL (the face passes it
from its settings) names any fsspec location instead (``memory://`` in tests, object storage later). Images
lose their EXIF, GPS and other metadata on the way in: the pixels are re-encoded, turned upright first, so
what is stored is only the picture.

On a local folder every folder is made 0700 and every file 0600, whatever the umask; a file on its way in
is written under a temporary name in the store's root (``.smp-tmp-PID-...``, removed at the next start if
its process died) and renamed into place, so a reader never sees half a file. A full disk is
``disk_full``.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
from PIL import Image, ImageOps, UnidentifiedImageError

from smpstudio.errors import InputError
from smpstudio.records.failures import disk_full
from smpstudio.records.private import make_private_dirs, open_private, remove_leftovers, tmp_name

__all__ = ["FileStore", "strip_image_metadata"]

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def strip_image_metadata(data: bytes, field: str = "photo") -> tuple[bytes, str]:
    """Re-encode an image without any metadata (EXIF orientation applied first); returns bytes, media type."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt = im.format or ""
            if fmt not in IMAGE_FORMATS:
                raise InputError(f"image format {fmt or 'unknown'}", field=field, allowed="JPEG, PNG or WebP")
            clean = ImageOps.exif_transpose(im)  # a new image: the file's metadata stays behind
            clean.info = {}
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError("not a readable image", field=field, allowed="a JPEG, PNG or WebP file") from exc
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.convert("RGB").save(out, "JPEG", quality=92)
    elif fmt == "PNG":
        clean.save(out, "PNG")
    else:
        clean.save(out, "WEBP", quality=92)
    return out.getvalue(), IMAGE_FORMATS[fmt]


@dataclass(frozen=True)
class FileStore:
    """A content-addressed file store: ``put`` returns the SHA-256 that names the bytes."""

    fs: Any
    root: str

    @classmethod
    def for_data_dir(cls, data_dir: Path, url: str | None = None) -> FileStore:
        """The file store at ``url`` (any fsspec URL), or the ``files`` folder in ``data_dir``."""
        fs, root = fsspec.core.url_to_fs(url or str(Path(data_dir).resolve() / "files"))
        return cls(fs, root.rstrip("/"))

    def path(self, sha256: str) -> str:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise InputError("not a SHA-256 hex digest", field="sha256", allowed="64 hex digits")
        return f"{self.root}/{sha256[:2]}/{sha256[2:]}"

    @property
    def local(self) -> bool:
        """Whether the files live in a folder of this machine (then they are kept private)."""
        protocol = self.fs.protocol
        names = (protocol,) if isinstance(protocol, str) else tuple(protocol)
        return "file" in names or "local" in names

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self.path(sha)
        if self.fs.exists(path):
            return sha
        try:
            if self.local:
                self._put_local(Path(path), data)
            else:
                self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
                tmp = f"{path}.part-{os.getpid()}"
                with self.fs.open(tmp, "wb") as fh:
                    fh.write(data)
                self.fs.mv(tmp, path)  # a reader never sees half a file
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise disk_full() from exc
            raise
        return sha

    def _put_local(self, path: Path, data: bytes) -> None:
        root = Path(self.root)
        make_private_dirs(path.parent)
        tmp = root / tmp_name(".part")
        try:
            with open_private(tmp) as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def remove_leftovers(self) -> None:
        """Remove the partial files of writers that died (local folders only)."""
        if self.local:
            remove_leftovers(Path(self.root))

    def get(self, sha256: str) -> bytes:
        data: bytes = self.fs.cat_file(self.path(sha256))
        if hashlib.sha256(data).hexdigest() != sha256:
            raise InputError("stored file does not match its hash", field="sha256", allowed="an intact file")
        return data

    def exists(self, sha256: str) -> bool:
        return bool(self.fs.exists(self.path(sha256)))

    def delete(self, sha256: str) -> None:
        if self.exists(sha256):
            self.fs.rm(self.path(sha256))

    def all(self) -> list[str]:
        if not self.fs.exists(self.root):
            return []
        shas = []
        for p in self.fs.find(self.root):
            parts = str(p).rstrip("/").split("/")
            name = parts[-2] + parts[-1]
            if len(name) == 64 and ".part" not in name and not name.startswith("."):
                shas.append(name)
        return sorted(shas)
