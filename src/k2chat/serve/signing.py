"""Sealing: the server's HMAC key and the signed, compressed envelopes it hands to clients.

A conversation is kept by the client (the page's localStorage, an API caller's variable) as a
sealed envelope: any server holding the same key can open it, and nobody without the key can
make or alter one. The key lives in the data folder (``conversation.key``, made on first use,
readable by its owner only) unless the ``K2CHAT_CONVERSATION_KEY`` setting names one, which is
what several machines behind one proxy need; instances sharing a data folder share its key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
import time
import zlib
from pathlib import Path

__all__ = ["Sealer", "load_key", "KEY_FILE", "SealError"]

log = logging.getLogger(__name__)

KEY_FILE = "conversation.key"
KEY_BYTES = 32  # HMAC-SHA256's block-size-safe key length (RFC 2104: at least the output, 32)
_CONTEXT = b"k2chat-conversation-v1\x00"  # a key signs nothing but conversations of this format


class SealError(ValueError):
    """An envelope that this server did not make (altered, truncated, other key, too large)."""


def load_key(data_dir: Path, configured: str | None = None) -> bytes:
    """The signing key: the setting if given, else ``<data>/conversation.key`` (made if absent).

    Instances that share the data folder share the key. When the folder cannot be written and
    no key exists, a key for this process only is used (logged): conversations then last as long
    as the process, as they did before conversations were kept by the client.
    """
    if configured:
        return hashlib.sha256(configured.encode("utf-8")).digest()
    path = data_dir / KEY_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        log.warning("Could not create %s (%s); conversations will not outlive this server", path,
                    exc.strerror)
        return secrets.token_bytes(KEY_BYTES)
    else:
        # Written to a new file only we opened: a second instance starting at the same moment
        # waits below until the key is whole.
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_hex(KEY_BYTES).encode())
    try:
        for _ in range(100):
            text = path.read_text(encoding="ascii").strip()
            if len(text) == 2 * KEY_BYTES:
                return bytes.fromhex(text)
            time.sleep(0.05)  # another instance is writing it this moment
    except (OSError, ValueError) as exc:
        log.warning("Could not read %s (%s); conversations will not outlive this server", path,
                    exc)
        return secrets.token_bytes(KEY_BYTES)
    log.warning("%s is not a key; conversations will not outlive this server", path)
    return secrets.token_bytes(KEY_BYTES)


class Sealer:
    """Seal bytes into a URL-safe text (compressed, then signed) and open such texts."""

    def __init__(self, key: bytes, max_chars: int, max_bytes: int) -> None:
        self._key = key
        self.max_chars = max_chars  # the longest envelope accepted (checked before anything)
        self.max_bytes = max_bytes  # the most an envelope may hold once decompressed

    def _mac(self, blob: bytes) -> bytes:
        return hmac.new(self._key, _CONTEXT + blob, hashlib.sha256).digest()

    def derive(self, purpose: str) -> str:
        """A stable secret for ``purpose`` (hex) that reveals nothing about the key."""
        return hmac.new(self._key, purpose.encode(), hashlib.sha256).hexdigest()

    def seal(self, data: bytes) -> str:
        blob = zlib.compress(data, 6)
        return _b64(blob) + "." + _b64(self._mac(blob))

    def open(self, text: object) -> bytes:
        """The bytes sealed in ``text``; :class:`SealError` if this server did not seal them."""
        if not isinstance(text, str) or len(text) > self.max_chars or text.count(".") != 1:
            raise SealError("not an envelope")
        body, mac = text.split(".")
        try:
            blob, tag = _unb64(body), _unb64(mac)
        except (binascii.Error, ValueError) as exc:
            raise SealError("not an envelope") from exc
        if not hmac.compare_digest(tag, self._mac(blob)):
            raise SealError("not signed by this server's key")
        unpacker = zlib.decompressobj()
        try:
            data = unpacker.decompress(blob, self.max_bytes)
        except zlib.error as exc:
            raise SealError("damaged envelope") from exc
        if unpacker.unconsumed_tail or not unpacker.eof:
            raise SealError("envelope larger than allowed")
        return data


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
