"""Local filesystem roots: a plain path or a ``file://`` URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import StorageError
from .base import Listing, ObjectInfo, Storage


class LocalStorage(Storage):
    def __init__(self, root: str, **options: Any) -> None:
        super().__init__(root, **options)
        path = unquote(urlsplit(root).path) if root.startswith("file://") else root
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise StorageError(f"root {root} does not exist or is not a directory")

    @property
    def concurrency(self) -> int:
        # Local reads do not wait on a network; more threads only contend for the GIL.
        return min(4, self.settings.concurrency)

    def _resolve(self, key: str) -> Path:
        return self.path / key

    def list(self, prefix: str) -> Listing:
        self.stats.count_list()
        folder, _, partial = prefix.rpartition("/")
        directory = self.path / folder if folder else self.path
        listing = Listing()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except FileNotFoundError:
            return listing
        except OSError as exc:
            raise StorageError(f"cannot list {directory}: {exc.strerror}") from None
        base = f"{folder}/" if folder else ""
        for entry in entries:
            if not entry.name.startswith(partial) or entry.name.startswith("."):
                continue
            if entry.is_dir():
                listing.folders.append(f"{base}{entry.name}/")
            elif entry.is_file():
                listing.objects.append(ObjectInfo(base + entry.name, entry.stat().st_size))
        return listing

    def read_range(self, key: str, start: int, end: int | None) -> bytes:
        try:
            with open(self._resolve(key), "rb") as fh:
                fh.seek(start)
                data = fh.read() if end is None else fh.read(max(0, end - start))
        except OSError as exc:
            raise StorageError(f"cannot read {self.url(key)}: {exc.strerror}") from None
        self.stats.count_read(len(data))
        return data

    def read(self, key: str) -> bytes:
        try:
            data = self._resolve(key).read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read {self.url(key)}: {exc.strerror}") from None
        self.stats.count_read(len(data))
        return data


def open_root(root: str, **options: Any) -> LocalStorage:
    return LocalStorage(root, **options)
