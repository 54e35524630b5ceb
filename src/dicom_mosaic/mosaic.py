"""Render a request: the one pipeline every entry point shares.

list the series -> read headers (pass 1, ranged) -> order and select slices -> fetch and decode the
selected pixels only (pass 2) -> window -> tile -> encode. Nothing here knows about argv, Lambda
or a particular storage; the storage is whatever backend the root's scheme picked.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from .decode import DecodeError, Frame, decode_frame
from .encode import CONTENT_TYPES, encode
from .errors import (
    MosaicError,
    NoDisplayableImages,
    SeriesTooLarge,
    StorageError,
    TimeBudgetExceeded,
)
from .frames import FrameLayout, layout, read_frame, worth_frame_reads
from .header import Header, HeaderReader
from .ordering import order_slices
from .request import MosaicRequest
from .selection import select_mosaic, select_position
from .series import find_series
from .slices import Slice, slices_of
from .slides import assemble as slide_picture
from .slides import choose_level, flavor, is_slide, total_size
from .storage import Storage, open_storage
from .tiling import assemble, check_canvas, fit, tile_height
from .window import (
    Window,
    apply_file_voi,
    apply_window,
    auto_window,
    has_file_voi,
    label_window,
)

log = logging.getLogger(__name__)


@dataclass
class MosaicResult:
    image: bytes
    format: str
    width: int
    height: int
    series: str  #: the series folder that was rendered (resolves a ``prefix*``)
    instances: int  #: objects listed in the series
    tiles: list[str | None]  #: per tile, the object (and frame) shown, None for a black tile
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    #: changes whenever the series' objects do (keys and sizes): a cache validator
    source_fingerprint: str = ""

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


@dataclass
class _Timer:
    phases: dict[str, float] = field(default_factory=dict)
    _last: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(now - self._last, 4)
        self._last = now


ProgressCallback = Callable[[int, int], None]


def render(
    request: MosaicRequest,
    storage: Storage | None = None,
    *,
    concurrency: int | None = None,
    progress: ProgressCallback | None = None,
    deadline: float | None = None,
) -> MosaicResult:
    """Render the mosaic (or single image) a request asks for.

    ``deadline`` (a ``time.monotonic()`` value) stops the run with :class:`TimeBudgetExceeded`
    between steps once passed, so a Lambda answers 504 instead of being killed mid-way.
    """
    own_storage = storage is None
    storage = storage or open_storage(request.root)
    workers = concurrency or storage.concurrency
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mosaic") as pool:
            return _render(request, storage, pool, progress, _Budget(deadline))
    finally:
        if own_storage:
            storage.close()


def _render(
    request: MosaicRequest,
    storage: Storage,
    pool: ThreadPoolExecutor,
    progress: ProgressCallback | None,
    budget: _Budget,
) -> MosaicResult:
    timer = _Timer()
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        log.warning("%s", message)

    folder, objects = find_series(storage, request.selector)
    series = folder.rstrip("/").rsplit("/", 1)[-1]
    timer.lap("list")
    log.info("series %s: %d objects under %s", series, len(objects), storage.root)
    limit = storage.settings.max_instances
    if limit and len(objects) > limit:
        raise SeriesTooLarge(
            f"series {series} has {len(objects)} objects; this deployment renders series of "
            f"up to {limit} (DICOM_MOSAIC_MAX_INSTANCES)"
        )
    budget.check(f"listing series {series}")

    reader = HeaderReader(storage)
    headers = _read_headers(reader, objects, pool, progress, budget)
    timer.lap("headers")
    if reader.failures:
        if not headers:
            raise StorageError(reader.failures[0])
        warn(
            f"{len(reader.failures)} of {len(objects)} instances could not be read and are left "
            f"out (first: {reader.failures[0]})"
        )

    if any(is_slide(h) for h in headers):
        return _render_slide(request, storage, headers, series, objects, timer, warnings)

    slices = [s for h in headers for s in slices_of(h)]
    if not slices:
        modalities = Counter(str(h.dataset.get("Modality", "")).strip() or "?" for h in headers)
        what = f" (modality {modalities.most_common(1)[0][0]})" if modalities else ""
        raise NoDisplayableImages(f"series {series} has no displayable images{what}")
    ordered = order_slices(slices)

    if request.position is not None:
        chosen = [select_position(ordered, request.position, request.slice_offset or 0)]
    else:
        start, end = request.range
        chosen = select_mosaic(ordered, request.columns * request.rows, start, end)
    picked = [ordered.slices[i] for i in chosen]
    if not picked:
        raise NoDisplayableImages(
            f"series {series} has no slices between start={request.range[0]:g} "
            f"and end={request.range[1]:g}"
        )
    log.info("selected %d of %d slices", len(picked), len(ordered))

    box = (request.image_width, tile_height(request.image_width, picked[0].aspect))
    check_canvas(request.columns, request.rows, *box)

    budget.check(f"reading the headers of series {series}")
    frames = _fetch_frames(storage, picked, pool, warn, box)
    timer.lap("pixels")
    budget.check(f"reading the pixels of series {series}")
    if not any(f is not None for f in frames):
        raise NoDisplayableImages(f"no image could be decoded from series {series}: {warnings[-1]}")

    return _finish(
        request,
        storage,
        [(s.label, s.aspect) for s in picked],
        frames,
        (request.columns, request.rows, box),
        series,
        objects,
        timer,
        warnings,
        {"header_read_size": reader.read_size, "continuation_reads": reader.continuations},
    )


def _finish(
    request: MosaicRequest,
    storage: Storage,
    shown: list[tuple[str, float]],
    frames: list[Frame | None],
    grid: tuple[int, int, tuple[int, int]],
    series: str,
    objects: list,
    timer: _Timer,
    warnings: list[str],
    extra_stats: dict[str, Any],
) -> MosaicResult:
    """Window, tile and encode decoded frames: shared by stacks and slides."""
    columns, rows, box = grid
    windows = _windows(request, frames)
    tiles: list[Image.Image | None] = []
    for (_, aspect), frame, window in zip(shown, frames, windows, strict=True):
        tiles.append(None if frame is None else fit(_display(frame, window), aspect, box))
    canvas = assemble(tiles, columns, rows, box)
    image = encode(canvas, request.format, request.quality)
    timer.lap("render")
    stats = {
        **storage.stats.as_dict(),
        "objects": len(objects),
        **extra_stats,
        "phases": timer.phases,
    }
    return MosaicResult(
        image=image,
        format=request.format,
        width=canvas.width,
        height=canvas.height,
        series=series,
        instances=len(objects),
        tiles=[
            label if f is not None else None for (label, _), f in zip(shown, frames, strict=True)
        ],
        warnings=warnings,
        stats=stats,
        source_fingerprint=_fingerprint(objects),
    )


def _render_slide(
    request: MosaicRequest,
    storage: Storage,
    headers: list[Header],
    series: str,
    objects: list,
    timer: _Timer,
    warnings: list[str],
) -> MosaicResult:
    """A slide is one picture, as wide as the mosaic would be, from its smallest level."""
    level = choose_level(headers, series)
    rows, cols = total_size(level.dataset)
    width = request.columns * request.image_width
    box = (width, tile_height(width, rows / cols))
    check_canvas(1, 1, *box)
    data = (
        level.data
        if level.whole
        else (level.data + storage.read_range(level.key, len(level.data), None))
    )
    try:
        frame: Frame | None = slide_picture(data, level)
    except MosaicError as exc:
        raise NoDisplayableImages(f"the slide in series {series} cannot be shown: {exc}") from None
    timer.lap("pixels")
    label = f"{level.key} ({flavor(level.dataset).lower()}, {cols}x{rows})"
    return _finish(
        request,
        storage,
        [(label, rows / cols)],
        [frame],
        (1, 1, box),
        series,
        objects,
        timer,
        warnings,
        {},
    )


def source_fingerprint(request: MosaicRequest) -> str:
    """The series' fingerprint from its listing alone: lets a cache revalidate (ETag) with
    one listing request instead of a render."""
    storage = open_storage(request.root)
    try:
        _, objects = find_series(storage, request.selector)
    finally:
        storage.close()
    return _fingerprint(objects)


def _fingerprint(objects: list) -> str:
    digest = hashlib.sha256()
    for o in objects:
        digest.update(f"{o.key}\0{o.size}\n".encode())
    return digest.hexdigest()


@dataclass
class _Budget:
    deadline: float | None

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def check(self, step: str) -> None:
        if self.expired():
            raise TimeBudgetExceeded(
                f"the time budget ran out while {step}; ask for fewer tiles or a narrower "
                "--start/--end, or submit it as a job"
            )


def _read_headers(
    reader: HeaderReader,
    objects: list,
    pool: ThreadPoolExecutor,
    progress: ProgressCallback | None,
    budget: _Budget,
) -> list[Header]:
    """Pass 1. The first header is read alone: its size sets the read size for all the rest."""
    total = len(objects)
    results: list[Header | None] = [reader.read(objects[0])]
    if progress:
        progress(1, total)
    futures = [pool.submit(reader.read, o) for o in objects[1:]]
    for future in futures:
        results.append(future.result())
        if progress:
            progress(len(results), total)
        if budget.expired():
            for pending in futures:
                pending.cancel()
            budget.check(f"reading the headers ({len(results)} of {total})")
    return [h for h in results if h is not None]


def _fetch_frames(
    storage: Storage,
    picked: list[Slice],
    pool: ThreadPoolExecutor,
    warn: Callable[[str], None],
    box: tuple[int, int],
) -> list[Frame | None]:
    """Pass 2: each selected object once (continuing from the bytes pass 1 holds), or, for a
    large multi-frame object of which few frames are shown, just those frames."""
    wanted: dict[str, set[int]] = {}
    for s in picked:
        wanted.setdefault(s.key, set()).add(s.frame)
    sources: dict[str, Future[_Source]] = {}
    for s in picked:
        if s.key not in sources:
            sources[s.key] = pool.submit(_source, storage, s.header, len(wanted[s.key]))
    decoded: dict[tuple[str, int], Future[Frame]] = {}
    for s in picked:
        if (s.key, s.frame) not in decoded:
            decoded[(s.key, s.frame)] = pool.submit(
                _decode, storage, s.header, sources[s.key], s.frame, box
            )
    frames: list[Frame | None] = []
    for s in picked:
        try:
            frames.append(decoded[(s.key, s.frame)].result())
        except (MosaicError, OSError) as exc:
            warn(f"skipping {storage.url(s.label)}: {exc}; its tile is left black")
            frames.append(None)
    return frames


#: Either the whole object's bytes, or where its frames lie for ranged frame reads.
_Source = bytes | FrameLayout


def _source(storage: Storage, header: Header, wanted: int) -> _Source:
    if worth_frame_reads(header, wanted):
        plan = layout(storage, header)
        if plan is not None:
            return plan
    if header.whole:
        return header.data
    return header.data + storage.read_range(header.key, len(header.data), None)


def _decode(
    storage: Storage, header: Header, source: Future[_Source], frame: int, box: tuple[int, int]
) -> Frame:
    try:
        found = source.result()
        if isinstance(found, FrameLayout):
            return decode_frame(read_frame(storage, header, found, frame), 0, box)
        return decode_frame(found, frame, box)
    except MosaicError:
        raise
    except Exception as exc:  # a codec plugin failing in its own way
        raise DecodeError(str(exc)) from None


#: A tile shown through its file's own VOI (window function or VOI LUT), see window.py.
FILE_VOI = "file"


def _windows(request: MosaicRequest, frames: Iterable[Frame | None]) -> list[Window | str | None]:
    """Per tile: flags/preset, else a segmentation's labels or the file's own VOI, else one
    auto window pooled over every tile that needs one."""
    frames = list(frames)
    if request.fixed_window is not None:
        return [request.fixed_window if f is not None and not f.color else None for f in frames]
    windows: list[Window | str | None] = []
    for f in frames:
        if f is None or f.color:
            windows.append(None)
        elif (label := label_window(f.dataset)) is not None:
            windows.append(label)
        elif not request.auto_window and has_file_voi(f.dataset):
            windows.append(FILE_VOI)
        else:
            windows.append(None)
    needs_auto = [
        i for i, f in enumerate(frames) if f is not None and not f.color and windows[i] is None
    ]
    if needs_auto:
        pooled = auto_window(
            [frames[i].pixels for i in needs_auto],  # type: ignore[union-attr]
            [frames[i].padding_value for i in needs_auto],  # type: ignore[union-attr]
        )
        log.info("auto window: width %.1f center %.1f", *pooled)
        for i in needs_auto:
            windows[i] = pooled
    return windows


def _display(frame: Frame, window: Window | str | None):
    if frame.color or window is None:
        return frame.pixels
    if window == FILE_VOI:
        pixels = apply_file_voi(frame.pixels, frame.dataset)
    else:
        pixels = apply_window(frame.pixels, window)  # type: ignore[arg-type]
    return 255 - pixels if frame.monochrome1 else pixels
