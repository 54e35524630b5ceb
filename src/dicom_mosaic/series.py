"""Find a series' objects under a root from a normalised SERIESUID."""

from __future__ import annotations

from .errors import SeriesNotFound, UsageError
from .series_uid import SeriesSelector
from .storage import ObjectInfo, Storage

_MAX_LISTED_MATCHES = 10


def _folder_name(prefix: str) -> str:
    return prefix.rstrip("/").rsplit("/", 1)[-1]


def find_series(storage: Storage, selector: SeriesSelector) -> tuple[str, list[ObjectInfo]]:
    """Return the series folder (``<uuid>/``) and its objects, sorted by key.

    A full UID is looked up directly (one listing); a prefix lists the matching folders first and
    must match exactly one series, because silently picking one of several would mislead.
    """
    if selector.wildcard:
        candidates = storage.list(selector.key_prefix).folders
        matches = [f for f in candidates if selector.matches(_folder_name(f))]
        if not matches:
            raise SeriesNotFound(f"no series matches {selector} under {storage.root}")
        if len(matches) > 1:
            names = [_folder_name(f) for f in matches[:_MAX_LISTED_MATCHES]]
            more = len(matches) - len(names)
            listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
            raise UsageError(f"series prefix {selector} matches {len(matches)} series: {listed}")
        folders = matches
    else:
        # IDC spells folders hyphenated; other stores may use the bare 32 hex digits.
        folders = [selector.key_prefix + "/", selector.hex_digits + "/"]
    for folder in folders:
        objects = [o for o in storage.list(folder).objects if not _hidden(o.key)]
        if objects:
            return folder, sorted(objects, key=lambda o: o.key)
    raise SeriesNotFound(f"series {selector} not found under {storage.root}")


def _hidden(key: str) -> bool:
    return _folder_name(key).startswith(".")
