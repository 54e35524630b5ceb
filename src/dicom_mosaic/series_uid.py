"""Parse the SERIESUID argument: 32 hex digits, a hyphenated UUID, or a ``prefix*`` wildcard.

IDC names each series folder by its ``crdc_series_uuid`` in lowercase hyphenated form, so every
accepted spelling is normalised to that form (or to the matching hyphenated key prefix) so it can be
used directly as a listing prefix on any storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import UsageError

_HEX = re.compile(r"^[0-9a-f]*$")
_GROUPS = (8, 4, 4, 4, 12)


def _hyphenate(hex_digits: str) -> str:
    """Insert UUID hyphens into a (possibly partial) run of hex digits."""
    parts, pos = [], 0
    for size in _GROUPS:
        if pos >= len(hex_digits):
            break
        parts.append(hex_digits[pos : pos + size])
        pos += size
    out = "-".join(parts)
    # A prefix that ends exactly on a group boundary is followed by a hyphen in the real name.
    if 0 < len(hex_digits) < 32 and pos == len(hex_digits) and len(hex_digits) in (8, 12, 16, 20):
        out += "-"
    return out


@dataclass(frozen=True)
class SeriesSelector:
    """A normalised SERIESUID: either one exact series or a hex prefix."""

    hex_digits: str
    wildcard: bool

    @property
    def key_prefix(self) -> str:
        """The hyphenated key (or key prefix) as IDC spells series folders."""
        return _hyphenate(self.hex_digits)

    def matches(self, folder_name: str) -> bool:
        """True when a folder name (hyphenated or not) is this series or starts with the prefix."""
        name = folder_name.strip("/").replace("-", "").lower()
        if self.wildcard:
            return name.startswith(self.hex_digits) and len(name) == 32 and bool(_HEX.match(name))
        return name == self.hex_digits

    def __str__(self) -> str:
        return self.key_prefix + ("*" if self.wildcard else "")


def parse_series_uid(text: str) -> SeriesSelector:
    """Validate and normalise a SERIESUID as the man page spells it (case-insensitive)."""
    raw = (text or "").strip()
    wildcard = raw.endswith("*")
    body = raw[:-1] if wildcard else raw
    digits = body.replace("-", "").lower()
    problem = None
    if not digits:
        problem = "it is empty" if not wildcard else "a wildcard needs at least one hex digit"
    elif "*" in body:
        problem = "'*' is only allowed at the end"
    elif not _HEX.match(digits):
        problem = "it must be hex digits (0-9, a-f), optionally hyphenated"
    elif len(digits) > 32:
        problem = "it has more than 32 hex digits"
    elif not wildcard and len(digits) != 32:
        problem = f"it has {len(digits)} hex digits, expected 32 (or end it with '*' for a prefix)"
    elif (
        not wildcard
        and "-" in body
        and not re.fullmatch(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", body.lower()
        )
    ):
        problem = "hyphens are not where a UUID has them (8-4-4-4-12)"
    if problem:
        raise UsageError(f"invalid series UID {text!r}: {problem}")
    return SeriesSelector(digits, wildcard)
