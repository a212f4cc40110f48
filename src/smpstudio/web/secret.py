"""The studio's secret key: made on first start, kept private in the data directory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["SECRET_FILE", "load_or_create_secret"]

#: The key's file name in the data directory (0600, 32 random bytes, hex).
SECRET_FILE = "studio-secret.key"
_KEY_BYTES = 32


def load_or_create_secret(data_dir: Path) -> bytes:
    """The secret key kept in ``data_dir``; the first call makes it (readable by its owner only).

    Two workers starting at once agree: the file is created exclusively and the loser reads the winner's.
    """
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        text = path.read_text().strip()
        key = bytes.fromhex(text)
        if len(key) < _KEY_BYTES:
            raise ValueError(f"{path} does not hold a {_KEY_BYTES}-byte key") from None
        return key
    key = secrets.token_bytes(_KEY_BYTES)
    with os.fdopen(fd, "w") as out:
        out.write(key.hex() + "\n")
    return key
