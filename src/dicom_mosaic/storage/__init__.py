"""Storage backends, one module per URL scheme, chosen the way pydicom chooses a decoder.

Backends are imported only when their scheme is used, so a local run never pays for boto3.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from ..errors import UsageError
from .base import Listing, ObjectInfo, Storage, StorageStats

#: scheme -> module in this package that provides ``open_root(root, **options)``
BACKENDS: dict[str, str] = {
    "": "local",
    "file": "local",
    "s3": "s3",
    "http": "http",
    "https": "http",
    "idc": "idc",
}

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def scheme_of(root: str) -> str:
    if root.strip().lower() in ("idc", "idc://"):
        return "idc"
    match = _SCHEME.match(root)
    return match.group(1).lower() if match else ""


def open_storage(root: str, **options: Any) -> Storage:
    """Open the backend for ``root`` (``s3://``, ``http(s)://``, ``file://`` or a plain path)."""
    scheme = scheme_of(root)
    module_name = BACKENDS.get(scheme)
    if module_name is None:
        raise UsageError(
            f"unsupported root {root!r}: use s3://, http(s)://, file:// or a local path"
        )
    module = importlib.import_module(f".{module_name}", __name__)
    return module.open_root(root, **options)


__all__ = ["BACKENDS", "Listing", "ObjectInfo", "Storage", "StorageStats", "open_storage"]
