"""Which slices land in the picture: the man page's mosaic, range and position rules."""

from __future__ import annotations

from .ordering import SAME_LOCATION_MM, Ordered
from .slices import TIME_KEYWORDS


def spread(count: int, tiles: int) -> list[int]:
    """Indices of ``tiles`` items evenly spread over ``count``: first and last always included.

    With fewer items than tiles every item is used once (no duplicates). A single tile cannot
    hold both ends, so it shows the middle slice, the most useful single preview.
    """
    if count <= tiles:
        return list(range(count))
    if tiles == 1:
        return [(count - 1) // 2]
    return [round(i * (count - 1) / (tiles - 1)) for i in range(tiles)]


def in_range(ordered: Ordered, start: float, end: float) -> list[int]:
    """Indices of slices whose normalised display position lies in ``[start, end]``.

    Normalised positions run along space when the series varies in space; otherwise (one location
    over time, or no geometry at all) they run along the sorted sequence.
    """
    n = len(ordered)
    if (start, end) == (0.0, 1.0):
        return list(range(n))
    if ordered.spatial:
        known = ordered.known
        lo_c, hi_c = min(known), max(known)
        lo = lo_c + (hi_c - lo_c) * start - SAME_LOCATION_MM
        hi = lo_c + (hi_c - lo_c) * end + SAME_LOCATION_MM
        return [i for i, c in enumerate(ordered.coords) if c is not None and lo <= c <= hi]
    if n == 1:
        return [0]
    return [i for i in range(n) if start - 1e-9 <= i / (n - 1) <= end + 1e-9]


def select_mosaic(ordered: Ordered, tiles: int, start: float, end: float) -> list[int]:
    candidates = in_range(ordered, start, end)
    return [candidates[i] for i in spread(len(candidates), tiles)]


def _nearest(values: list[float | None], target: float) -> int:
    """Index of the value closest to target; the first in display order wins ties."""
    best, best_distance = 0, float("inf")
    for i, v in enumerate(values):
        if v is not None and abs(v - target) < best_distance - 1e-9:
            best, best_distance = i, abs(v - target)
    return best


def _at_fraction(values: list[float | None], fraction: float) -> int:
    known = [v for v in values if v is not None]
    lo, hi = min(known), max(known)
    return _nearest(values, lo + (hi - lo) * fraction)


def _has_repeated_location(ordered: Ordered) -> bool:
    seen: set[int] = set()
    for c in ordered.coords:
        if c is None:
            continue
        bucket = round(c / SAME_LOCATION_MM)
        if bucket in seen:
            return True
        seen.add(bucket)
    return False


def select_position(ordered: Ordered, position: float, offset: int = 0) -> int:
    """The man page's cascade: space if it varies, else time at one location, else index."""
    n = len(ordered)
    if ordered.spatial:
        index = _at_fraction(ordered.coords, position)
    elif _has_repeated_location(ordered):
        index = _temporal(ordered, position)
    else:
        index = round(position * (n - 1))
    return min(max(index + offset, 0), n - 1)


def _temporal(ordered: Ordered, position: float) -> int:
    for field in range(len(TIME_KEYWORDS)):
        times = [s.times[field] for s in ordered.slices]
        known = [t for t in times if t is not None]
        if len(known) == len(times) and max(known) > min(known):
            return _at_fraction(times, position)  # type: ignore[arg-type]
    numbers = [s.instance_number for s in ordered.slices]
    known_numbers = [float(v) for v in numbers if v is not None]
    if len(known_numbers) > 1 and max(known_numbers) > min(known_numbers):
        return _at_fraction([None if v is None else float(v) for v in numbers], position)
    return round(position * (len(ordered) - 1))
