"""The header pass: learn what each instance is from its first bytes, read with ranged GETs.

pydicom parses truncated input without complaint, so "did we read enough?" is decided by whether
the parser reached the pixel data element (or the end of the object), never by an exception.
pydicom's ``stop_when`` callback is only consulted once a top-level element's header has been read
in full, so every element before it is complete when it fires.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_partial
from pydicom.tag import BaseTag
from pydicom.uid import DeflatedExplicitVRLittleEndian

from .errors import StorageError
from .storage import ObjectInfo, Storage

log = logging.getLogger(__name__)

#: (7FE0,0008) Float Pixel Data, (7FE0,0009) Double Float Pixel Data, (7FE0,0010) Pixel Data
_PIXEL_TAGS = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})
_FIRST_PIXEL_TAG = 0x7FE00008

#: First read for the first instance of a series; later reads use what that one needed.
INITIAL_READ = 16 * 1024
#: A continuation read asks for at least this much more, so one is nearly always enough.
MIN_CONTINUATION = 64 * 1024
#: Give up on an object whose header is larger than this (it is not a header any more).
MAX_HEADER = 64 * 1024 * 1024


@dataclass
class Header:
    """What the header pass learned about one object; ``data`` holds the bytes read so far."""

    key: str
    data: bytes
    whole: bool  #: ``data`` is the entire object
    dataset: Dataset
    pixel_offset: int | None  #: where the pixel data element starts; None: no pixel data

    @property
    def has_pixels(self) -> bool:
        return self.pixel_offset is not None


def parse_prefix(data: bytes, whole: bool) -> tuple[Dataset, int | None, bool]:
    """Parse the start of an object: (dataset, pixel data offset or None, complete?).

    ``complete`` is True when the parser reached the pixel data element or ``data`` is the whole
    object; otherwise more must be read. Raises InvalidDicomError for non-DICOM data.
    """
    stopped_at: list[int] = []

    def stop(tag: BaseTag, _vr: str | None, _length: int) -> bool:
        if tag >= _FIRST_PIXEL_TAG:
            stopped_at.append(int(tag))
            return True
        return False

    fp = io.BytesIO(data)
    try:
        ds = read_partial(fp, stop_when=stop, force=False)
    except InvalidDicomError:
        raise
    except Exception:
        # Truncated file meta or a deflated body cut short: only more bytes can tell.
        if whole:
            raise
        return Dataset(), None, False
    if stopped_at and stopped_at[0] in _PIXEL_TAGS:
        return ds, fp.tell(), True
    return ds, None, whole or bool(stopped_at)


class HeaderReader:
    """Reads headers of one series, adapting the read size to what its instances need."""

    def __init__(self, storage: Storage, initial_read: int = INITIAL_READ) -> None:
        self.storage = storage
        self.read_size = initial_read
        self.continuations = 0
        self.failures: list[str] = []
        self._learned = False
        self._lock = threading.Lock()

    def _learn(self, needed: int) -> None:
        # A little headroom: headers in one series differ by a few bytes (names, UIDs, dates).
        # The first instance sets the size (even smaller than the initial guess); later ones
        # can only grow it, so a long header is not paid for twice.
        size = int(needed * 1.05) + 512
        with self._lock:
            self.read_size = max(self.read_size, size) if self._learned else size
            self._learned = True

    def _read(self, key: str, start: int, want: int, size: int | None) -> tuple[bytes, bool]:
        """Read up to ``want`` bytes from ``start``; also say whether the object ended there."""
        end = start + want
        if size is not None and end >= size:
            data = (
                self.storage.read(key) if start == 0 else self.storage.read_range(key, start, None)
            )
            return data, True
        data = self.storage.read_range(key, start, end)
        return data, len(data) < want

    def read(self, obj: ObjectInfo) -> Header | None:
        """One ranged read; one continuation when the header turned out to be longer.

        Returns None (with a warning) for an object that is not DICOM or cannot be read.
        """
        key = obj.key
        try:
            return self._read_header(obj)
        except StorageError as exc:
            with self._lock:
                self.failures.append(str(exc))
            log.debug("skipping %s: %s", self.storage.url(key), exc)  # summarised by the caller
            return None

    def _read_header(self, obj: ObjectInfo) -> Header | None:
        storage, key = self.storage, obj.key
        data, whole = self._read(key, 0, self.read_size, obj.size)
        while True:
            try:
                ds, pixel_offset, complete = parse_prefix(data, whole)
            except Exception as exc:  # InvalidDicomError or a corrupt header
                log.warning("skipping %s: not a readable DICOM file (%s)", storage.url(key), exc)
                return None
            if complete:
                break
            if len(data) >= MAX_HEADER:
                log.warning("skipping %s: header over %d bytes", storage.url(key), MAX_HEADER)
                return None
            with self._lock:
                self.continuations += 1
            deflated = ds.file_meta.get("TransferSyntaxUID") == DeflatedExplicitVRLittleEndian
            want = MAX_HEADER if deflated else max(len(data), MIN_CONTINUATION)
            more, whole = self._read(key, len(data), want, obj.size)
            data += more
        needed = pixel_offset if pixel_offset is not None else len(data)
        self._learn(needed + 16)  # + the pixel data element's own header
        return Header(key, data, whole, ds, pixel_offset)


def parse_time(value: object) -> float | None:
    """A DICOM TM value as seconds since midnight, or None when absent or malformed."""
    text = str(value or "").strip()
    if not text:
        return None
    text = text.replace(":", "")
    whole, _, frac = text.partition(".")
    try:
        whole = whole.ljust(6, "0")[:6]
        t = datetime.strptime(whole, "%H%M%S")
        return t.hour * 3600 + t.minute * 60 + t.second + (float("0." + frac) if frac else 0.0)
    except ValueError:
        return None
