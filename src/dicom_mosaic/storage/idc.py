"""``--root idc``: IDC's three public buckets, searched in order for the series.

Keys carry their bucket (``<bucket>/<series>/<instance>.dcm``) so reads go to the bucket the
series was found in; a series missing from one bucket is not an error, only from all three.
"""

from __future__ import annotations

from typing import Any

from .base import Listing, Storage
from .s3 import S3Storage, make_client

IDC_BUCKETS = ("idc-open-data", "idc-open-data-cr", "idc-open-data-two")


class IdcStorage(Storage):
    def __init__(self, root: str = "idc", buckets: tuple[str, ...] = IDC_BUCKETS, **options: Any):
        super().__init__(root, **options)
        client = options.pop("client", None) or make_client(self.settings)
        self.buckets = {
            name: S3Storage(f"s3://{name}", client=client, settings=self.settings)
            for name in buckets
        }
        for bucket in self.buckets.values():
            bucket.stats = self.stats  # one set of counters for the run

    def _split(self, key: str) -> tuple[S3Storage, str]:
        bucket, _, rest = key.partition("/")
        return self.buckets[bucket], rest

    def url(self, key: str) -> str:
        storage, rest = self._split(key)
        return storage.url(rest)

    def list(self, prefix: str) -> Listing:
        """A folder: from the first bucket that has it. A partial name: matches from all."""
        head, _, rest = prefix.partition("/")
        buckets = self.buckets.items()
        if head in self.buckets and rest:  # already qualified by a listing of ours
            buckets = [(head, self.buckets[head])]
            prefix = rest
        merged = Listing()
        for name, storage in buckets:
            found = storage.list(prefix)
            merged.objects += [type(o)(f"{name}/{o.key}", o.size) for o in found.objects]
            merged.folders += [f"{name}/{f}" for f in found.folders]
            if prefix.endswith("/") and merged.objects:
                break
        return merged

    def read_range(self, key: str, start: int, end: int | None) -> bytes:
        storage, rest = self._split(key)
        return storage.read_range(rest, start, end)

    def read(self, key: str) -> bytes:
        storage, rest = self._split(key)
        return storage.read(rest)

    def close(self) -> None:
        next(iter(self.buckets.values())).close()


def open_root(root: str, **options: Any) -> IdcStorage:
    return IdcStorage(root, **options)
