"""S3 roots (``s3://bucket[/prefix]``) through boto3.

Credentials come from the standard chain; with none configured, requests go unsigned so IDC's
public buckets work without an AWS account. ``AWS_ENDPOINT_URL(_S3)`` and ``AWS_REGION`` are
honoured by botocore itself, which is how tests reach moto and users reach MinIO.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from ..errors import SeriesNotFound, StorageError
from .base import Listing, ObjectInfo, Storage, with_retries

_TRANSIENT = (IncompleteReadError, ReadTimeoutError, ResponseStreamingError, ConnectionError)
_MISSING = {"NoSuchKey", "404", "NotFound"}


def split_s3_url(root: str) -> tuple[str, str]:
    rest = root[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise StorageError(f"invalid S3 root {root!r}: no bucket name")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def make_client(settings: Any) -> Any:
    """One client per run, its pool as large as the request concurrency."""
    session = boto3.session.Session()
    signed = session.get_credentials() is not None
    config = Config(
        signature_version=None if signed else UNSIGNED,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"mode": "standard", "max_attempts": settings.attempts},
        max_pool_connections=settings.concurrency,
    )
    region = os.environ.get("AWS_REGION") or session.region_name or "us-east-1"
    return session.client("s3", region_name=region, config=config)


class S3Storage(Storage):
    def __init__(self, root: str, client: Any = None, **options: Any) -> None:
        super().__init__(root, **options)
        self.bucket, self.prefix = split_s3_url(root)
        self.client = client or make_client(self.settings)

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"

    def _error(self, exc: Exception, what: str) -> StorageError:
        if isinstance(exc, ClientError):
            err = exc.response.get("Error", {})
            code, message = err.get("Code", "?"), err.get("Message") or ""
            if code == "NoSuchBucket":
                return SeriesNotFound(f"bucket {self.bucket} does not exist")
            if code in ("AccessDenied", "403", "Forbidden"):
                return StorageError(
                    f"cannot read {what}: access denied (the bucket is private or the "
                    "credentials lack s3:GetObject/s3:ListBucket)"
                )
            return StorageError(f"cannot read {what}: {code} {message}".rstrip())
        return StorageError(f"cannot read {what}: {exc}")

    def list(self, prefix: str) -> Listing:
        listing = Listing()
        base = len(self.prefix)
        kwargs = {"Bucket": self.bucket, "Prefix": self.prefix + prefix, "Delimiter": "/"}
        try:
            while True:
                self.stats.count_list()
                page = self.client.list_objects_v2(**kwargs)
                for item in page.get("Contents", []):
                    listing.objects.append(ObjectInfo(item["Key"][base:], int(item["Size"])))
                for item in page.get("CommonPrefixes", []):
                    listing.folders.append(item["Prefix"][base:])
                if not page.get("IsTruncated"):
                    return listing
                kwargs["ContinuationToken"] = page["NextContinuationToken"]
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, f"s3://{self.bucket}/{self.prefix}{prefix}*") from None

    def _get(self, key: str, byte_range: str | None) -> bytes:
        kwargs = {"Bucket": self.bucket, "Key": self.prefix + key}
        if byte_range:
            kwargs["Range"] = byte_range

        def attempt() -> bytes:
            response = self.client.get_object(**kwargs)
            return response["Body"].read()

        try:
            data = with_retries(
                attempt, attempts=self.settings.attempts, what=self.url(key), transient=_TRANSIENT
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                data = b""  # asked past the end: a short object, not an error
            else:
                raise self._error(exc, self.url(key)) from None
        except BotoCoreError as exc:
            raise self._error(exc, self.url(key)) from None
        self.stats.count_read(len(data))
        return data

    def read_range(self, key: str, start: int, end: int | None) -> bytes:
        if end is not None and end <= start:
            return b""
        return self._get(key, f"bytes={start}-{'' if end is None else end - 1}")

    def read(self, key: str) -> bytes:
        return self._get(key, None)

    def close(self) -> None:
        self.client.close()


def open_root(root: str, **options: Any) -> S3Storage:
    return S3Storage(root, **options)
