"""HTTP(S) roots: ranged GETs over pooled keep-alive connections (urllib3, shipped with botocore).

Listing understands an HTML directory index (nginx, Apache, ``python -m http.server``) and the
S3 ``ListObjectsV2`` XML a bucket's HTTPS endpoint answers. Servers that ignore ``Range`` still
work: only the bytes needed are read off the stream before the connection is dropped.
"""

from __future__ import annotations

import html.parser
import posixpath
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

import urllib3
from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

from ..errors import StorageError
from .base import Listing, ObjectInfo, Storage, with_retries

_TRANSIENT = (ProtocolError, ReadTimeoutError, urllib3.exceptions.SSLError, ConnectionError)
_RETRY_STATUS = (429, 500, 502, 503, 504)
_CHUNK = 64 * 1024


class _Transient(Exception):
    """A retryable HTTP status on a ranged read."""


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


class HttpStorage(Storage):
    def __init__(self, root: str, **options: Any) -> None:
        super().__init__(root, **options)
        self.base = root.rstrip("/") + "/"
        s = self.settings
        self.pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=s.concurrency,
            block=False,
            timeout=urllib3.Timeout(connect=s.connect_timeout, read=s.read_timeout),
            retries=urllib3.Retry(
                total=s.attempts - 1,
                backoff_factor=0.1,
                status_forcelist=_RETRY_STATUS,
                allowed_methods={"GET"},
                raise_on_status=False,
                respect_retry_after_header=False,
            ),
        )
        self._s3_listing: bool | None = None

    def url(self, key: str) -> str:
        return self.base + quote(key)

    # ---- reads ---------------------------------------------------------------------------
    def read_range(self, key: str, start: int, end: int | None) -> bytes:
        if end is not None and end <= start:
            return b""
        last = "" if end is None else str(end - 1)
        return self._get(key, start, end, {"Range": f"bytes={start}-{last}"})

    def read(self, key: str) -> bytes:
        return self._get(key, 0, None, {})

    def _get(self, key: str, start: int, end: int | None, headers: dict[str, str]) -> bytes:
        url = self.url(key)

        def attempt() -> bytes:
            response = self.pool.request("GET", url, headers=headers, preload_content=False)
            try:
                if response.status == 416:
                    return b""
                if response.status in _RETRY_STATUS:
                    raise _Transient(f"HTTP {response.status}")
                if response.status == 206:  # never more than asked, whatever the server sends
                    return _slice_stream(response, 0, None if end is None else end - start)
                if response.status == 200:  # Range ignored: take what we need off the stream
                    return _slice_stream(response, start, end)
                raise StorageError(f"cannot read {url}: HTTP {response.status}")
            finally:
                # Only a fully read body leaves a connection fit for the next request.
                if response.length_remaining == 0:
                    response.release_conn()
                else:
                    response.close()

        try:
            data = with_retries(
                attempt,
                attempts=self.settings.attempts,
                what=url,
                transient=(*_TRANSIENT, _Transient),
            )
        except HTTPError as exc:  # connection refused, retries exhausted inside urllib3
            raise StorageError(f"cannot read {url}: {_reason(exc)}") from None
        self.stats.count_read(len(data))
        return data

    # ---- listing -------------------------------------------------------------------------
    def list(self, prefix: str) -> Listing:
        """An HTML index if the server gives one; else S3's XML listing, tried once."""
        if self._s3_listing:
            return self._list_s3(prefix)
        folder, _, partial = prefix.rpartition("/")
        folder = f"{folder}/" if folder else ""
        status, content_type, body = self._fetch_text(self.base + quote(folder))
        is_xml = "xml" in content_type or body.lstrip().startswith("<?xml")
        if status == 200 and not is_xml:
            self._s3_listing = False
            return self._parse_index(body, folder, partial)
        if self._s3_listing is None:
            listing = self._try_s3(prefix)
            if listing is not None:
                return listing
        if status == 404 and not is_xml:
            return Listing()  # no such folder on a plain web server
        raise StorageError(
            f"cannot list {self.base}{folder}: HTTP {status}; the server must answer an HTML "
            "directory index or an S3 ListObjectsV2 listing"
        )

    def _fetch_text(self, url: str, fields: dict[str, str] | None = None) -> tuple[int, str, str]:
        if fields:
            url = f"{url}?{urlencode(fields)}"
        try:
            response = self.pool.request("GET", url)
        except HTTPError as exc:
            raise StorageError(f"cannot list {url}: {_reason(exc)}") from None
        self.stats.count_list()
        content_type = response.headers.get("Content-Type", "")
        return response.status, content_type, response.data.decode("utf-8", "replace")

    def _parse_index(self, body: str, folder: str, partial: str) -> Listing:
        parser = _Links()
        parser.feed(body)
        listing = Listing()
        base_path = urlsplit(self.base + folder).path
        seen: set[str] = set()
        for href in parser.hrefs:
            parts = urlsplit(href)
            if (
                parts.query
                or parts.fragment
                or (parts.netloc and parts.netloc != urlsplit(self.base).netloc)
            ):
                continue
            path = unquote(parts.path)
            if path.startswith("/"):
                if not path.startswith(base_path):
                    continue
                path = path[len(base_path) :]
            is_dir = path.endswith("/")
            name = posixpath.basename(path.rstrip("/"))
            if not name or name in (".", "..") or "/" in path.rstrip("/") or name in seen:
                continue
            if not name.startswith(partial) or name.startswith("."):
                continue
            seen.add(name)
            if is_dir:
                listing.folders.append(f"{folder}{name}/")
            else:
                listing.objects.append(ObjectInfo(f"{folder}{name}", None))
        return listing

    def _try_s3(self, prefix: str) -> Listing | None:
        try:
            return self._list_s3(prefix)
        except (StorageError, ET.ParseError):
            return None

    def _list_s3(self, prefix: str) -> Listing:
        """S3's XML ListObjectsV2 against the root (a bucket endpoint), paginated."""
        split = urlsplit(self.base)
        bucket_url = f"{split.scheme}://{split.netloc}"
        path = split.path.strip("/")
        # Virtual-hosted buckets list at "/"; path-style roots carry "/bucket[/prefix]".
        bucket, _, key_prefix = path.partition("/")
        list_url = f"{bucket_url}/{bucket}" if bucket else bucket_url + "/"
        key_prefix = f"{key_prefix}/" if key_prefix else ""
        fields = {"list-type": "2", "prefix": key_prefix + prefix, "delimiter": "/"}
        listing = Listing()
        while True:
            status, _, body = self._fetch_text(list_url, fields)
            if status != 200 or "<ListBucketResult" not in body:
                raise StorageError(f"cannot list {self.base}{prefix}: HTTP {status}")
            self._s3_listing = True
            root = ET.fromstring(body)
            ns = root.tag.partition("}")[0] + "}" if root.tag.startswith("{") else ""
            cut = len(key_prefix)
            for item in root.iter(f"{ns}Contents"):
                key = item.findtext(f"{ns}Key") or ""
                listing.objects.append(ObjectInfo(key[cut:], int(item.findtext(f"{ns}Size") or 0)))
            for item in root.iter(f"{ns}CommonPrefixes"):
                listing.folders.append((item.findtext(f"{ns}Prefix") or "")[cut:])
            token = root.findtext(f"{ns}NextContinuationToken")
            if root.findtext(f"{ns}IsTruncated") != "true" or not token:
                return listing
            fields["continuation-token"] = token

    def close(self) -> None:
        self.pool.clear()


def _slice_stream(response: Any, start: int, end: int | None) -> bytes:
    """Bytes [start, end) of a response body, reading no further than end."""
    skipped = 0
    while skipped < start:
        chunk = response.read(min(_CHUNK, start - skipped))
        if not chunk:
            return b""
        skipped += len(chunk)
    if end is None:
        return response.read()
    parts, need = [], end - start
    while need > 0:
        chunk = response.read(min(_CHUNK, need))
        if not chunk:
            break
        parts.append(chunk)
        need -= len(chunk)
    return b"".join(parts)


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)


def open_root(root: str, **options: Any) -> HttpStorage:
    return HttpStorage(root, **options)
