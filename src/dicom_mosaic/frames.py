"""Single frames of multi-frame objects: where they lie, how to read just them, how to decode.

A tomosynthesis or enhanced CT object can be hundreds of MB; a mosaic needs a few of its frames.
Native frames sit at fixed offsets; encapsulated frames are found through the Extended Offset
Table (in the header) or the Basic Offset Table (a few bytes after the pixel data element).
Without either, finding a frame means walking every fragment, so the whole object is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_fragments, parse_basic_offsets
from pydicom.uid import DeflatedExplicitVRLittleEndian

from .header import Header
from .storage import Storage

_ITEM = 8  # (FFFE,E000) item tag + 4-byte length


@dataclass(frozen=True)
class FrameLayout:
    """Byte ranges of each frame; for encapsulated data a range covers its fragment items."""

    ranges: list[tuple[int, int | None]]
    encapsulated: bool


def frame_count(ds: Dataset) -> int:
    try:
        return max(1, int(ds.get("NumberOfFrames", 1) or 1))
    except (TypeError, ValueError):
        return 1


def worth_frame_reads(header: Header, wanted: int) -> bool:
    """Frame by frame only pays when most of the object is not wanted."""
    return (
        not header.whole
        and frame_count(header.dataset) > 1
        and wanted * 2 < frame_count(header.dataset)
    )


def layout(storage: Storage, header: Header) -> FrameLayout | None:
    """Where each frame lies, or None when only reading the whole object can tell."""
    ds, frames = header.dataset, frame_count(header.dataset)
    syntax = ds.file_meta.get("TransferSyntaxUID")
    if header.pixel_offset is None or syntax is None or syntax == DeflatedExplicitVRLittleEndian:
        return None
    start = header.pixel_offset + (8 if syntax.is_implicit_VR else 12)
    if not syntax.is_encapsulated:
        try:
            bits, samples = int(ds.BitsAllocated), int(ds.get("SamplesPerPixel", 1) or 1)
            size = int(ds.Rows) * int(ds.Columns) * samples * bits
        except (AttributeError, TypeError, ValueError):
            return None
        if size % 8:  # 1-bit frames do not start on byte boundaries
            return None
        size //= 8
        return FrameLayout(
            [(start + i * size, start + (i + 1) * size) for i in range(frames)], encapsulated=False
        )
    if "ExtendedOffsetTable" in ds and "ExtendedOffsetTableLengths" in ds:
        offsets = np.frombuffer(ds.ExtendedOffsetTable, "<u8")
        lengths = np.frombuffer(ds.ExtendedOffsetTableLengths, "<u8")
        if len(offsets) != frames or len(lengths) != frames:
            return None
        base = start + _ITEM  # the Basic Offset Table is empty when an extended one exists
        return FrameLayout(
            [
                (base + int(o), base + int(o) + _ITEM + int(n))
                for o, n in zip(offsets, lengths, strict=True)
            ],
            encapsulated=True,
        )
    table_end = start + _ITEM + 4 * frames
    table = header.data[start:table_end]
    if len(table) < table_end - start:
        table = storage.read_range(header.key, start, table_end)
    try:
        offsets = parse_basic_offsets(table)
    except Exception:
        return None
    if len(offsets) != frames or offsets != sorted(offsets):
        return None  # empty or unusable table: the fragments would have to be walked
    base = start + _ITEM + 4 * frames
    ends: list[int | None] = [base + o for o in offsets[1:]] + [None]
    return FrameLayout(
        [(base + o, e) for o, e in zip(offsets, ends, strict=True)], encapsulated=True
    )


def read_frame(storage: Storage, header: Header, plan: FrameLayout, frame: int) -> Dataset:
    """A single-frame dataset holding just ``frame``, read with one ranged request."""
    start, end = plan.ranges[frame]
    data = storage.read_range(header.key, start, end)
    ds = single_frame_view(header.dataset, frame)
    if plan.encapsulated:
        # generate_fragments stops at the sequence delimiter after the last frame
        ds.PixelData = encapsulate([b"".join(generate_fragments(data))])
        ds["PixelData"].VR = "OB"
    else:
        ds.PixelData = data
        ds["PixelData"].VR = "OB" if int(header.dataset.BitsAllocated) <= 8 else "OW"
    return ds


def single_frame_view(ds: Dataset, frame: int) -> Dataset:
    """A shallow copy of the header describing one frame, its functional groups lifted to the
    top level where pydicom's LUT functions look for them."""
    view = Dataset(ds)
    view.file_meta = ds.file_meta
    view.NumberOfFrames = 1
    for stale in ("ExtendedOffsetTable", "ExtendedOffsetTableLengths"):  # they describe all frames
        if stale in view:
            del view[stale]
    lift_frame_groups(view, ds, frame)
    return view


def lift_frame_groups(target: Dataset, ds: Dataset, frame: int) -> None:
    """Copy a frame's rescale and window from its functional groups (enhanced objects)."""
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    shared = ds.get("SharedFunctionalGroupsSequence")
    groups = [
        g
        for g in (
            per_frame[frame] if per_frame is not None and frame < len(per_frame) else None,
            shared[0] if shared else None,
        )
        if g is not None
    ]
    lifted = {
        "PixelValueTransformationSequence": ("RescaleSlope", "RescaleIntercept", "RescaleType"),
        "FrameVOILUTSequence": ("WindowCenter", "WindowWidth", "VOILUTFunction"),
    }
    for sequence, keywords in lifted.items():
        for group in groups:
            if sequence in group and len(group[sequence].value):
                item = group[sequence][0]
                for keyword in keywords:
                    if keyword in item:
                        setattr(target, keyword, item[keyword].value)
                break
