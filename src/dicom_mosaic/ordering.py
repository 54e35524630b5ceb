"""Display order: superior to inferior along the slice normal, ties by InstanceNumber.

Every slice gets a *display coordinate* that grows in display order, so "0.0 is the most superior
slice" holds for all normalised positions: axial stacks run head first (larger patient z first),
sagittal right to left (+x in DICOM's LPS space), coronal anterior to posterior (+y).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from .slices import Slice, Vector

#: Positions closer than this (mm) are the same location: 4D series repeat them with float noise.
SAME_LOCATION_MM = 1e-3


@dataclass(frozen=True)
class Ordered:
    slices: list[Slice]
    coords: list[float | None]  #: display coordinate per slice, None when unknown

    @property
    def known(self) -> list[float]:
        return [c for c in self.coords if c is not None]

    @property
    def spatial(self) -> bool:
        """True when the slices are spread over space (not one location over time)."""
        known = self.known
        return len(known) > 1 and max(known) - min(known) > SAME_LOCATION_MM

    def __len__(self) -> int:
        return len(self.slices)


def _display_axis(slices: list[Slice]) -> tuple[Vector, float] | None:
    """The series' slice normal, signed to point in display order, or None without one.

    The most common orientation wins, so a stray localizer cannot flip a whole stack.
    """
    normals = Counter(
        tuple(round(v, 3) for v in s.normal) for s in slices if s.normal and any(s.normal)
    )
    if not normals:
        return None
    normal = normals.most_common(1)[0][0]
    norm = math.sqrt(sum(v * v for v in normal))
    dominant = max(range(3), key=lambda i: abs(normal[i]))
    sign = 1.0 if normal[dominant] > 0 else -1.0
    axis = (normal[0] * sign / norm, normal[1] * sign / norm, normal[2] * sign / norm)
    # Axial: head first means decreasing z; sagittal and coronal run with their axis.
    return axis, (-1.0 if dominant == 2 else 1.0)


def display_coordinate(s: Slice, axis: tuple[Vector, float] | None) -> float | None:
    if s.position is not None:
        if axis is not None:
            (ax, ay, az), direction = axis
            return direction * (s.position[0] * ax + s.position[1] * ay + s.position[2] * az)
        return -s.position[2]
    if s.slice_location is not None:
        return -s.slice_location
    return None


def order_slices(slices: list[Slice]) -> Ordered:
    axis = _display_axis(slices)
    keyed = [(display_coordinate(s, axis), s) for s in slices]

    def sort_key(item: tuple[float | None, Slice]):
        coord, s = item
        return (
            coord is None,
            round(coord / SAME_LOCATION_MM) if coord is not None else 0,
            s.instance_number if s.instance_number is not None else math.inf,
            s.key,
            s.frame,
        )

    keyed.sort(key=sort_key)
    return Ordered([s for _, s in keyed], [c for c, _ in keyed])
