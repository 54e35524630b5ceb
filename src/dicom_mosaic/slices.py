"""Slices: the unit a mosaic tile shows (one frame of one object), with what ordering needs.

Values are pulled out of the header dataset once, defensively: a malformed value in one object
must cost that object its place in the sort, not the whole run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydicom.dataset import Dataset

from .header import Header, parse_time

Vector = tuple[float, float, float]

#: More frames than this in one object are not sorted one by one (nothing in IDC comes close).
MAX_FRAMES = 100_000

#: Time tags consulted for temporal ordering, in the man page's order.
TIME_KEYWORDS = ("InstanceCreationTime", "ContentTime", "AcquisitionTime")


@dataclass(frozen=True)
class Slice:
    header: Header
    frame: int
    position: Vector | None
    normal: Vector | None
    slice_location: float | None
    instance_number: int | None
    times: tuple[float | None, ...]  #: one entry per TIME_KEYWORDS
    rows: int
    columns: int
    pixel_aspect: float  #: physical height / width of one pixel (1.0 for square pixels)

    @property
    def key(self) -> str:
        return self.header.key

    @property
    def aspect(self) -> float:
        """Physical height / width of the whole image, for sizing its tile."""
        return self.rows * self.pixel_aspect / self.columns

    @property
    def label(self) -> str:
        return self.key if self.frame == 0 else f"{self.key}#frame{self.frame + 1}"


def _floats(ds: Dataset, keyword: str, count: int) -> tuple[float, ...] | None:
    try:
        value = ds.get(keyword)
        if value is None:
            return None
        numbers = tuple(float(v) for v in (value if count > 1 else [value]))
    except (TypeError, ValueError):
        return None
    if len(numbers) != count or not all(math.isfinite(v) for v in numbers):
        return None
    return numbers


def _int(ds: Dataset, keyword: str) -> int | None:
    try:
        value = ds.get(keyword)
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None


def cross(a: tuple[float, ...], b: tuple[float, ...]) -> Vector:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def pixel_aspect(ds: Dataset) -> float:
    """Row spacing / column spacing from PixelSpacing, else PixelAspectRatio, else square."""
    spacing = _floats(ds, "PixelSpacing", 2)
    if spacing and spacing[0] > 0 and spacing[1] > 0:
        return spacing[0] / spacing[1]
    try:
        ratio = [float(v) for v in ds.get("PixelAspectRatio") or []]
    except (TypeError, ValueError):
        ratio = []
    if len(ratio) == 2 and ratio[0] > 0 and ratio[1] > 0:
        return ratio[0] / ratio[1]
    return 1.0


def group_value(
    ds: Dataset, frame_group: Dataset | None, sequence: str, keyword: str, count: int
) -> tuple[float, ...] | None:
    """A functional-group value for one frame: per-frame first, then shared, then top level."""
    shared = ds.get("SharedFunctionalGroupsSequence")
    for group in (frame_group, shared[0] if shared else None):
        if group is not None and sequence in group and len(group[sequence].value):
            found = _floats(group[sequence][0], keyword, count)
            if found is not None:
                return found
    return _floats(ds, keyword, count)


def slices_of(header: Header) -> list[Slice]:
    """The displayable slices of one object: one per frame (none without pixel data).

    Enhanced multi-frame objects carry each frame's plane in functional groups; other
    multi-frame objects (cine, tomosynthesis without them) keep frame order.
    """
    ds = header.dataset
    rows, columns = _int(ds, "Rows"), _int(ds, "Columns")
    if not header.has_pixels or not rows or not columns or rows < 0 or columns < 0:
        return []
    frames = max(1, min(_int(ds, "NumberOfFrames") or 1, MAX_FRAMES))
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    location = _floats(ds, "SliceLocation", 1)
    times = tuple(parse_time(ds.get(k)) for k in TIME_KEYWORDS)
    number = _int(ds, "InstanceNumber")
    out = []
    for i in range(frames):
        group = per_frame[i] if per_frame is not None and i < len(per_frame) else None
        orientation = group_value(
            ds, group, "PlaneOrientationSequence", "ImageOrientationPatient", 6
        )
        spacing = group_value(ds, group, "PixelMeasuresSequence", "PixelSpacing", 2)
        out.append(
            Slice(
                header=header,
                frame=i,
                position=group_value(  # type: ignore[arg-type]
                    ds, group, "PlanePositionSequence", "ImagePositionPatient", 3
                ),
                normal=cross(orientation[:3], orientation[3:]) if orientation else None,
                slice_location=location[0] if location and frames == 1 else None,
                instance_number=number,
                times=times,
                rows=rows,
                columns=columns,
                pixel_aspect=spacing[0] / spacing[1]
                if spacing and spacing[0] > 0 and spacing[1] > 0
                else pixel_aspect(ds),
            )
        )
    return out
