"""The one request type every entry point is translated into, with all validation and caps.

CLI flags, API query parameters, S3 job objects and direct-invocation events all arrive as a flat
mapping of field names to strings or JSON scalars; :meth:`MosaicRequest.from_mapping` is the only
place that turns such a mapping into a trusted request, so the rules cannot drift between adapters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from .errors import UsageError
from .presets import PRESET_NAMES, PRESETS
from .series_uid import SeriesSelector, parse_series_uid

DEFAULT_ROOT = "s3://idc-open-data"
Format = Literal["webp", "jpeg"]

# Caps on every size a caller controls. WebP cannot encode a side longer than 16383 px.
MAX_TILES_PER_SIDE = 32
MIN_IMAGE_WIDTH, MAX_IMAGE_WIDTH = 8, 2048
MAX_CANVAS_SIDE = 16383
MAX_CANVAS_PIXELS = 40_000_000
MAX_SLICE_OFFSET = 100_000

_FORMAT_ALIASES = {"webp": "webp", "jpeg": "jpeg", "jpg": "jpeg"}


@dataclass(frozen=True)
class MosaicRequest:
    """What to render. ``None`` means "not given"; defaults are resolved by the properties."""

    series: str
    root: str = DEFAULT_ROOT
    tile_width: int | None = None
    tile_height: int | None = None
    image_width: int = 128
    contrast_preset: str | None = None
    window_width: float | None = None
    window_center: float | None = None
    start: float | None = None
    end: float | None = None
    position: float | None = None
    slice_offset: int | None = None
    quality: int = 25
    format: Format = "webp"

    # ---- resolved views -------------------------------------------------------------------
    @property
    def selector(self) -> SeriesSelector:
        return parse_series_uid(self.series)

    @property
    def columns(self) -> int:
        """Tiles per row (1 for a single ``--position`` image)."""
        if self.position is not None:
            return 1
        return self.tile_width or 6

    @property
    def rows(self) -> int:
        if self.position is not None:
            return 1
        return self.tile_height or self.columns

    @property
    def range(self) -> tuple[float, float]:
        return (0.0 if self.start is None else self.start, 1.0 if self.end is None else self.end)

    @property
    def fixed_window(self) -> tuple[float, float] | None:
        """(width, center) asked for explicitly, or None to use the file's or auto."""
        if self.contrast_preset == "auto":
            return None
        width, center = PRESETS.get(self.contrast_preset or "", (None, None))
        width = self.window_width if self.window_width is not None else width
        center = self.window_center if self.window_center is not None else center
        if width is None or center is None:
            return None
        return (width, center)

    @property
    def auto_window(self) -> bool:
        return self.contrast_preset == "auto"

    def to_mapping(self) -> dict[str, Any]:
        """The fields that were given, as JSON scalars (the inverse of :meth:`from_mapping`)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    # ---- parsing ----------------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> MosaicRequest:
        """Build a validated request; raises :class:`UsageError` with a one-line message."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError(f"unknown parameter(s): {', '.join(unknown)}")
        if not data.get("series"):
            raise UsageError("missing series UID")
        parse_series_uid(str(data["series"]))

        def get(name: str, conv, lo=None, hi=None):
            value = data.get(name)
            if value is None or value == "":
                return None
            return conv(name, value, lo, hi)

        req = cls(
            series=str(data["series"]).strip(),
            root=_root(data.get("root")),
            tile_width=get("tile_width", _int, 1, MAX_TILES_PER_SIDE),
            tile_height=get("tile_height", _int, 1, MAX_TILES_PER_SIDE),
            image_width=get("image_width", _int, MIN_IMAGE_WIDTH, MAX_IMAGE_WIDTH) or 128,
            contrast_preset=get("contrast_preset", _preset),
            window_width=get("window_width", _float, 1e-6, 1e9),
            window_center=get("window_center", _float, -1e9, 1e9),
            start=get("start", _float, 0.0, 1.0),
            end=get("end", _float, 0.0, 1.0),
            position=get("position", _float, 0.0, 1.0),
            slice_offset=get("slice_offset", _int, -MAX_SLICE_OFFSET, MAX_SLICE_OFFSET),
            quality=_default(get("quality", _int, 0, 100), 25),
            format=get("format", _format) or "webp",
        )
        req._check_combinations()
        return req

    def _check_combinations(self) -> None:
        if self.position is not None:
            clash = [
                name
                for name in ("start", "end", "tile_width", "tile_height")
                if getattr(self, name) is not None
            ]
            if clash:
                raise UsageError(f"position cannot be combined with {', '.join(clash)}")
        elif self.slice_offset is not None:
            raise UsageError("slice_offset is only valid together with position")
        start, end = self.range
        if start > end:
            raise UsageError(f"start ({start}) must not be greater than end ({end})")
        if self.contrast_preset == "auto" and (
            self.window_width is not None or self.window_center is not None
        ):
            raise UsageError("contrast_preset auto cannot be combined with window_width/center")
        if self.contrast_preset is None and (self.window_width is None) != (
            self.window_center is None
        ):
            raise UsageError(
                "window_width and window_center must be given together (or with contrast_preset)"
            )
        width = self.columns * self.image_width
        if width > MAX_CANVAS_SIDE:
            raise UsageError(
                f"mosaic would be {width} px wide (tile_width x image_width); "
                f"the limit is {MAX_CANVAS_SIDE}"
            )


def _default(value, fallback):
    return fallback if value is None else value


def _root(value: Any) -> str:
    if value is None or str(value).strip() == "":
        return DEFAULT_ROOT
    return str(value).strip()


def _int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool):
        raise UsageError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise UsageError(f"{name} must be an integer, got {value!r}") from None
    if not lo <= number <= hi:
        raise UsageError(f"{name} must be between {lo} and {hi}, got {number}")
    return number


def _float(name: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool):
        raise UsageError(f"{name} must be a number, got {value!r}")
    try:
        number = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise UsageError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise UsageError(f"{name} must be a finite number, got {value!r}")
    if not lo <= number <= hi:
        if lo == 0.0 and hi == 1.0:
            raise UsageError(f"{name} must be between 0.0 and 1.0, got {number:g}")
        if lo > 0:
            raise UsageError(f"{name} must be greater than 0, got {number:g}")
        raise UsageError(f"{name} is out of range, got {number:g}")
    return number


def _preset(name: str, value: Any, _lo=None, _hi=None) -> str:
    preset = str(value).strip().lower()
    if preset not in PRESET_NAMES:
        raise UsageError(f"unknown {name} {value!r}; choose one of: {', '.join(PRESET_NAMES)}")
    return preset


def _format(name: str, value: Any, _lo=None, _hi=None) -> Format:
    fmt = _FORMAT_ALIASES.get(str(value).strip().lower().lstrip("."))
    if fmt is None:
        raise UsageError(f"{name} must be webp or jpeg, got {value!r}")
    return fmt  # type: ignore[return-value]
