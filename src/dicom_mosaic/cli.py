"""``dicom-mosaic``: argv -> a direct-invocation event -> the Lambda handler -> OUTPUT.

Argument syntax (numbers, flags) is checked here; every rule about values lives in the request
type behind the handler, so the CLI and the API reject the same things with the same words.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .presets import PRESET_NAMES

PROG = "dicom-mosaic"
FORMATS = {".webp": "webp", ".jpg": "jpeg", ".jpeg": "jpeg"}

#: CLI flag -> request field, for every option that maps one to one.
FIELDS = (
    "root",
    "tile_width",
    "tile_height",
    "image_width",
    "contrast_preset",
    "window_width",
    "window_center",
    "start",
    "end",
    "position",
    "slice_offset",
    "quality",
)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage; the man page promises 1 for every error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{PROG}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Generate a WebP/JPEG mosaic (or one image) of a DICOM series "
        "stored on S3, HTTP(S) or a local filesystem.",
        epilog="examples:\n"
        "  dicom-mosaic 38902e14-b11f-4548-910e-771ee757dc82 out.webp --contrast-preset lung\n"
        "  dicom-mosaic 38902e14* middle.jpg --position 0.5 --slice-offset 1\n"
        "  dicom-mosaic d94176e6-bc8e-4666-b143-639754258d06 out.webp --root /data/dicom\n\n"
        "exit status: 0 on success, 1 on any error (one line on stderr)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("series", metavar="SERIESUID", help="32 hex digits, a UUID, or a prefix*")
    p.add_argument("output", metavar="OUTPUT", help="output file (.webp, .jpg or .jpeg)")
    g = p.add_argument_group("storage")
    g.add_argument(
        "--root",
        metavar="PATH",
        help="s3://bucket[/prefix], idc (IDC's three buckets), http(s)://, file:// or a local "
        "path (default: s3://idc-open-data)",
    )
    g = p.add_argument_group("tiling")
    g.add_argument("--tile-width", type=int, metavar="WIDTH", help="images per row (default 6)")
    g.add_argument(
        "--tile-height",
        type=int,
        metavar="HEIGHT",
        help="images per column (default: --tile-width)",
    )
    g.add_argument(
        "--image-width",
        type=int,
        metavar="PIXELS",
        help="width of each tile in pixels (default 128)",
    )
    g = p.add_argument_group("contrast")
    g.add_argument(
        "--contrast-preset",
        metavar="PRESET",
        choices=PRESET_NAMES,
        help=f"one of: {', '.join(PRESET_NAMES)}",
    )
    g.add_argument("--window-width", type=float, metavar="WIDTH", help="window width (HU)")
    g.add_argument("--window-center", type=float, metavar="CENTER", help="window center (HU)")
    g = p.add_argument_group("range selection")
    g.add_argument("--start", type=float, metavar="FLOAT", help="start of range, 0.0-1.0")
    g.add_argument("--end", type=float, metavar="FLOAT", help="end of range, 0.0-1.0")
    g.add_argument(
        "--position",
        type=float,
        metavar="FLOAT",
        help="one image at this normalised position instead of a mosaic",
    )
    g.add_argument(
        "--slice-offset",
        type=int,
        metavar="INT",
        help="slices to move from --position (may be negative)",
    )
    g = p.add_argument_group("output")
    g.add_argument("-q", "--quality", type=int, metavar="LEVEL", help="0-100 (default 25)")
    g.add_argument("-v", "--verbose", action="store_true", help="debug logging and statistics")
    return p


class _Formatter(logging.Formatter):
    """One line per message; tracebacks only when --verbose asked for them."""

    def __init__(self, verbose: bool) -> None:
        super().__init__(
            f"{PROG}: %(levelname)s: %(message)s" if verbose else f"{PROG}: %(message)s"
        )
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        if not self.verbose:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
            if record.levelno == logging.WARNING:
                record.msg = f"warning: {record.msg}"
        return super().format(record)


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(verbose))
    package = logging.getLogger("dicom_mosaic")
    package.handlers[:] = [handler]
    package.setLevel(logging.DEBUG if verbose else logging.WARNING)
    package.propagate = False
    logging.getLogger("pydicom").setLevel(logging.WARNING if verbose else logging.CRITICAL)
    if not verbose:
        warnings.simplefilter("ignore")


def _fail(message: str) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    raise SystemExit(1)


def _progress(verbose: bool):
    """A live counter on a terminal; with -v into a log, a line at each quarter."""
    tty = sys.stderr.isatty()
    if not (verbose or tty):
        return None
    step = {"n": 0}

    def report(done: int, total: int) -> None:
        if total < 100:
            return
        if tty:
            if done == total or done % max(1, total // 100) == 0:
                end = "\n" if done == total else ""
                print(f"\r{PROG}: headers {done}/{total}", end=end, file=sys.stderr, flush=True)
        elif done * 4 >= total * (step["n"] + 1):
            step["n"] = done * 4 // total
            print(f"{PROG}: headers {done}/{total}", file=sys.stderr, flush=True)

    return report


def to_event(args: argparse.Namespace) -> dict[str, Any]:
    """The direct-invocation event for these arguments (only the options given)."""
    event: dict[str, Any] = {"series": args.series}
    for name in FIELDS:
        value = getattr(args, name)
        if value is not None:
            event[name] = value
    event["format"] = FORMATS[Path(args.output).suffix.lower()]
    return event


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, so no partial OUTPUT is ever visible."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    output = Path(args.output)
    if output.suffix.lower() not in FORMATS:
        _fail(f"OUTPUT must end in .webp, .jpg or .jpeg: {args.output}")
    if not output.parent.is_dir():
        _fail(f"cannot write {args.output}: folder {output.parent} does not exist")

    from .handlers.invoke import handle  # deferred: --help and usage errors stay instant

    response = handle(to_event(args), progress=_progress(args.verbose))
    if response["status"] != 200:
        _fail(response["error"])
    for message in response.get("warnings", []):
        logging.getLogger("dicom_mosaic").debug("completed with warning: %s", message)
    try:
        write_atomically(output, base64.b64decode(response["image_base64"]))
    except OSError as exc:
        _fail(f"cannot write {args.output}: {exc.strerror or exc}")
    if args.verbose:
        summary = {k: response[k] for k in ("series", "instances", "width", "height", "stats")}
        print(f"{PROG}: {json.dumps(summary)}", file=sys.stderr)
        print(f"{PROG}: tiles: {json.dumps(response['tiles'])}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
