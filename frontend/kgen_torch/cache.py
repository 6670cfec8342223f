"""The on-disk cache of the kgen backend (docs/torch-compile.md, "The cache").

Entries are JSON files named by the SHA-256 of their key material, under
`$KGEN_CACHE_DIR`, else `~/.cache/kgen`, in `torch-compile/<kind>/`; an
entry may have bytes beside it (`<key>.bin`: compiled code), bound to it by
their SHA-256, which the entry holds. Each
file holds its own key, so that a file that does not parse, lacks a field or
belongs to another key is reported (one line) and recomputed, never trusted.
Files are written atomically (kgen_import.files.write_output: a temporary
file in the same directory, then a rename), so a reader never sees half a
file and concurrent writers of one key leave one complete file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from kgen_import.files import write_output

FORMAT = 1
log = logging.getLogger("kgen_torch")
_CANNOT_WRITE = "kgen: cannot write cache file %s (%s); continuing without it"


def _first_line(e: Exception) -> str:
    """An exception's message for a one-line report: its first line, or
    its type's name when it has none."""
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def cache_dir() -> Path:
    env = os.environ.get("KGEN_CACHE_DIR")
    base = Path(env) if env else Path.home() / ".cache" / "kgen"
    return base / "torch-compile"


def digest(material: Any) -> str:
    """SHA-256 of a JSON-serializable key (sorted keys: stable)."""
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class DiskCache:
    def __init__(self, stats: Dict[str, int], enabled: bool = True):
        self.stats = stats
        self.enabled = enabled

    def path(self, kind: str, key: str) -> Path:
        return cache_dir() / kind / f"{key}.json"

    def load(self, kind: str, key: str, validate: Callable[[Dict[str, Any]], None]) -> Optional[Dict[str, Any]]:
        """The entry's payload, or None if absent or corrupt (reported)."""
        p = self.path(kind, key)
        raw = self._read(p)
        if raw is None:
            return None
        try:
            entry = json.loads(raw.decode("utf-8"))
            if not isinstance(entry, dict):
                raise ValueError("not a JSON object")
            if entry.get("format") != FORMAT:
                raise ValueError(f"format {entry.get('format')!r}, expected {FORMAT}")
            if entry.get("key") != key:
                raise ValueError("its key does not match its name")
            payload = entry.get("payload")
            if not isinstance(payload, dict):
                raise ValueError("no payload")
            validate(payload)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
            self._corrupt(p, _first_line(e))
            return None
        return payload

    def store(self, kind: str, key: str, payload: Dict[str, Any]) -> None:
        if not self.enabled:
            return
        p = self.path(kind, key)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            write_output(p, json.dumps({"format": FORMAT, "key": key, "payload": payload},
                                       sort_keys=True))
            self.stats["cache_writes"] += 1
        except OSError as e:
            self._report(_CANNOT_WRITE, p, _first_line(e))

    def blob_path(self, kind: str, key: str) -> Path:
        return cache_dir() / kind / f"{key}.bin"

    def load_blob(self, kind: str, key: str, sha256: str) -> Optional[bytes]:
        """The bytes stored beside entry `key`, or None if absent, or
        corrupt (reported): their SHA-256 must be the one its entry holds."""
        p = self.blob_path(kind, key)
        data = self._read(p)
        if data is None:
            return None
        if hashlib.sha256(data).hexdigest() != sha256:
            self._corrupt(p, "its SHA-256 is not the one its entry holds")
            return None
        return data

    def store_blob(self, kind: str, key: str, data: bytes) -> bool:
        """Writes bytes beside entry `key` (atomically); False if it could
        not (reported)."""
        if not self.enabled:
            return False
        p = self.blob_path(kind, key)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            write_output(p, data)
            return True
        except OSError as e:
            self._report(_CANNOT_WRITE, p, _first_line(e))
            return False

    def reject(self, p: Path, why: str) -> None:
        """A cache file that reads fine but cannot be used here (e.g.
        compiled code for another kind of CPU): reported, then replaced."""
        self._report("kgen: cannot use cache file %s (%s); recomputing it", p, why)

    def _read(self, p: Path) -> Optional[bytes]:
        """The file's bytes; None if the cache is off, the file absent, or
        unreadable (reported)."""
        if not self.enabled:
            return None
        try:
            return p.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            self._corrupt(p, f"unreadable: {e.strerror or e}")
            return None

    def _corrupt(self, p: Path, why: str) -> None:
        self._report("kgen: cache file %s is corrupt (%s); recomputing it", p, why)

    def _report(self, message: str, p: Path, why: str) -> None:
        """Counts a cache error and logs `message` about file `p`."""
        self.stats["cache_errors"] += 1
        log.warning(message, p, why)
