"""Encrypted backups: AES-256-GCM in 1 MiB chunks, the key derived from a passphrase with scrypt.

The file starts with a small header: the magic ``SMPSEAL1``, scrypt's parameters (log2 n, r, p: 1 byte
each), a 16-byte salt and a 7-byte nonce prefix. Each chunk is sealed with the nonce ``prefix + counter (4
bytes) + last flag (1 byte)`` and the header as associated data, so the header, the order of the chunks
and the end of the file are all authenticated: a changed byte, a reordered or dropped chunk, a truncated
file or a wrong passphrase all fail to open, before anything is written where the backup is restored.
"""

from __future__ import annotations

import os
import struct
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from smpstudio.errors import InputError

__all__ = ["MAGIC", "SealedWriter", "is_sealed", "unseal"]

MAGIC = b"SMPSEAL1"
CHUNK = 1 << 20
_TAG = 16
#: scrypt's cost: n = 2**17, r = 8, p = 1 (128 MiB, about half a second), and the most a header may ask.
LOG_N, R, P = 17, 8, 1
_MAX_LOG_N, _MAX_R, _MAX_P = 20, 16, 4
_HEADER = struct.Struct(">8sBBB16s7s")


def _key(passphrase: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    if not passphrase:
        raise InputError("the passphrase is empty", field="passphrase", allowed="a non-empty passphrase")
    return Scrypt(salt=salt, length=32, n=2**log_n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def is_sealed(head: bytes) -> bool:
    """Whether a file starting with ``head`` is an encrypted backup."""
    return head.startswith(MAGIC)


class SealedWriter:
    """A write-only stream that encrypts what is written into ``out``; :meth:`close` seals the last chunk
    (the underlying stream is left open)."""

    def __init__(self, out: IO[bytes], passphrase: str) -> None:
        salt, prefix = os.urandom(16), os.urandom(7)
        self._header = _HEADER.pack(MAGIC, LOG_N, R, P, salt, prefix)
        self._aead = AESGCM(_key(passphrase, salt, LOG_N, R, P))
        self._prefix = prefix
        self._out = out
        self._buf = bytearray()
        self._counter = 0
        self._closed = False
        out.write(self._header)

    def write(self, data: bytes) -> int:
        self._buf += data
        while len(self._buf) > CHUNK:  # keep at least one byte back: the last chunk is sealed as last
            self._seal(bytes(self._buf[:CHUNK]), last=False)
            del self._buf[:CHUNK]
        return len(data)

    def flush(self) -> None:
        self._out.flush()

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        if self._counter >= 2**32 - 1:
            raise InputError("the backup is too large to encrypt", field="backup")
        nonce = _nonce(self._prefix, self._counter, last)
        self._out.write(self._aead.encrypt(nonce, chunk, self._header))
        self._counter += 1

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._seal(bytes(self._buf), last=True)
            self._buf.clear()
            self._out.flush()


def _wrong() -> InputError:
    return InputError(
        "the passphrase does not open this backup, or the backup was altered",
        field="passphrase",
        allowed="the passphrase the backup was written with",
        code="wrong_passphrase",
    )


def unseal(source: IO[bytes], passphrase: str, out: IO[bytes]) -> int:
    """Decrypt the backup in ``source`` into ``out``; returns the bytes written.

    A wrong passphrase, a damaged or truncated file is an :class:`InputError` (``wrong_passphrase`` or
    ``damaged_backup``); the first chunk is checked before anything is written.
    """
    header = source.read(_HEADER.size)
    if len(header) != _HEADER.size:
        raise InputError("the encrypted backup is truncated", field="backup", code="damaged_backup")
    magic, log_n, r, p, salt, prefix = _HEADER.unpack(header)
    if magic != MAGIC or not (1 <= log_n <= _MAX_LOG_N and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        raise InputError("the encrypted backup's header is not valid", field="backup", code="damaged_backup")
    aead = AESGCM(_key(passphrase, salt, log_n, r, p))
    written = 0
    counter = 0
    chunk = source.read(CHUNK + _TAG)
    while True:
        following = source.read(CHUNK + _TAG)
        last = not following
        try:
            plain = aead.decrypt(_nonce(prefix, counter, last), chunk, header)
        except InvalidTag:
            if counter == 0:
                raise _wrong() from None
            raise InputError(
                "the encrypted backup is damaged or truncated", field="backup", code="damaged_backup"
            ) from None
        out.write(plain)
        written += len(plain)
        counter += 1
        if last:
            return written
        chunk = following
