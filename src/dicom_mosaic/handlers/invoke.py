"""Direct invocation: an event holding the request fields in, a JSON-able answer out.

This is the handler ``aws lambda invoke``, ``sam local invoke`` and the ``dicom-mosaic`` CLI all
call, so the CLI exercises exactly what runs in Lambda. The image travels base64-encoded because a
Lambda response is JSON.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import MosaicError
from ..mosaic import ProgressCallback, render
from ..request import MosaicRequest

log = logging.getLogger(__name__)


def handle(
    event: Mapping[str, Any],
    *,
    progress: ProgressCallback | None = None,
    check_root: Callable[[str], None] | None = None,
    deadline: float | None = None,
) -> dict[str, Any]:
    """Render the request in ``event``; errors come back as ``{"status": 4xx/5xx, "error": …}``.

    In Lambda, ``check_root`` enforces the deployer's allow-list; the CLI reads what its user
    can read anyway and passes none.
    """
    try:
        request = MosaicRequest.from_mapping(event)
        if check_root is not None:
            check_root(request.root)
        result = render(request, progress=progress, deadline=deadline)
    except MosaicError as exc:
        log.info("request failed with %d: %s", exc.status, exc)
        return {"status": exc.status, "error": str(exc)}
    except Exception as exc:
        log.exception("unexpected failure")
        return {"status": 500, "error": f"internal error: {type(exc).__name__}: {exc}"}
    return {
        "status": 200,
        "content_type": result.content_type,
        "image_base64": base64.b64encode(result.image).decode("ascii"),
        "width": result.width,
        "height": result.height,
        "series": result.series,
        "instances": result.instances,
        "tiles": result.tiles,
        "warnings": result.warnings,
        "stats": result.stats,
    }
