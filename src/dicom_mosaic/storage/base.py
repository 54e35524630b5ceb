"""The storage interface every backend implements: list with sizes, read a byte range, read all.

Listing follows S3's ``ListObjectsV2`` with ``Delimiter='/'``: the objects directly under a
prefix (with sizes, so nothing ever needs a HEAD request) and the "folders" whose names start
with it.
Backends count their requests and bytes so ``-v`` and the benchmark can report what a run cost.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..errors import StorageError
from ..settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class ObjectInfo:
    key: str  #: key relative to the root, ``/``-separated
    size: int | None  #: None when the listing does not say (an HTML index); never HEADed


@dataclass
class Listing:
    objects: list[ObjectInfo] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)  #: child prefixes, each ending in ``/``


@dataclass
class StorageStats:
    """Request and byte counters; thread-safe because reads run on a pool."""

    list_requests: int = 0
    read_requests: int = 0
    bytes_read: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_list(self) -> None:
        with self._lock:
            self.list_requests += 1

    def count_read(self, nbytes: int) -> None:
        with self._lock:
            self.read_requests += 1
            self.bytes_read += nbytes

    def as_dict(self) -> dict[str, int]:
        return {
            "list_requests": self.list_requests,
            "read_requests": self.read_requests,
            "bytes_read": self.bytes_read,
        }


class Storage(ABC):
    """A root holding series folders, as IDC lays out its buckets."""

    #: the root as the user gave it, for messages
    root: str

    def __init__(self, root: str, settings: Settings | None = None) -> None:
        self.root = root
        self.settings = settings or Settings.from_env()
        self.stats = StorageStats()

    @abstractmethod
    def list(self, prefix: str) -> Listing:
        """Objects and sub-folders directly under ``prefix`` (a folder path or a partial name)."""

    @abstractmethod
    def read_range(self, key: str, start: int, end: int | None) -> bytes:
        """Bytes ``[start, end)`` of an object (``end=None``: to its end); fewer when shorter."""

    @abstractmethod
    def read(self, key: str) -> bytes:
        """The whole object."""

    @property
    def concurrency(self) -> int:
        """How many requests are worth having in flight at once on this backend."""
        return self.settings.concurrency

    def url(self, key: str) -> str:
        """Where an object lives, for messages."""
        return f"{self.root.rstrip('/')}/{key}"

    def close(self) -> None:  # noqa: B027 - optional hook; most backends hold nothing
        """Release pooled connections."""


def with_retries(
    call: Callable[[], T],
    *,
    attempts: int,
    what: str,
    transient: tuple[type[BaseException], ...],
) -> T:
    """Retry transient failures with a short exponential backoff, then fail naming ``what``.

    The HTTP clients retry what happens before a response starts; this covers a body that stalls
    or breaks half way, which neither botocore nor urllib3 retries on a streamed response.
    """
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except transient as exc:
            if attempt == attempts:
                reason = str(exc) or type(exc).__name__
                raise StorageError(
                    f"cannot read {what}: {reason} (after {attempts} attempts)"
                ) from None
            log.debug("retrying %s after %s (attempt %d)", what, type(exc).__name__, attempt)
            time.sleep(min(2.0, 0.1 * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")
