"""API Gateway: ``GET /mosaic/{series}`` with the CLI's options as query parameters.

One router serves both payload versions (HTTP API v2 and REST API v1); errors are JSON
``{"error": …}`` with the status the core's exception carries.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from aws_lambda_powertools.event_handler import (
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.router import Router

from .. import render
from ..errors import MosaicError, UsageError
from ..mosaic import source_fingerprint
from ..request import MosaicRequest
from . import common
from .observability import failed, logger, not_modified, record

router = Router()
OUTPUTS = ("inline", "s3")
#: IDC series never change (a revised series gets a new UUID): let browsers and CDNs keep them.
CACHE = {"Cache-Control": "public, max-age=86400"}


def _etag(request: MosaicRequest, fingerprint: str) -> str:
    """Changes with the request and with the series' objects (keys and sizes)."""
    digest = hashlib.sha256((common.request_digest(request) + fingerprint).encode())
    return f'"{digest.hexdigest()[:32]}"'


def _error(status: int, message: str) -> Response:
    failed(status)
    return Response(status, content_types.APPLICATION_JSON, {"error": message})


@router.get("/mosaic/<series>")
def get_mosaic(series: str) -> Response:
    params = dict(router.current_event.query_string_parameters or {})
    output = params.pop("output", "inline").lower()
    if output not in OUTPUTS:
        raise UsageError(f"output must be inline or s3, got {output!r}")
    if "series" in params:
        raise UsageError("give the series in the path, not as a parameter")
    request = MosaicRequest.from_mapping({**params, "series": series})
    common.check_root(request.root)
    logger.append_keys(series=series)
    # A cached preview is revalidated from the listing alone: no header or pixel is read.
    if_none_match = (router.current_event.headers or {}).get("if-none-match", "")
    if if_none_match:
        etag = _etag(request, source_fingerprint(request))
        if etag in if_none_match:
            not_modified()
            return Response(304, None, "", {"ETag": etag, **CACHE})
    started = time.monotonic()
    result = render(request, deadline=common.deadline_from(router.lambda_context))
    record(result.stats, sum(t is not None for t in result.tiles), time.monotonic() - started)

    headers = {"ETag": _etag(request, result.source_fingerprint), **CACHE}
    if result.warnings:
        headers["X-Mosaic-Warnings"] = str(len(result.warnings))
    if output == "s3" or len(result.image) > common.INLINE_LIMIT:
        uri, url = common.put_output(common.output_key(request), result.image, result.content_type)
        return Response(
            200,
            content_types.APPLICATION_JSON,
            {
                "s3_uri": uri,
                "url": url,
                "series": result.series,
                "width": result.width,
                "height": result.height,
                "warnings": result.warnings,
            },
            headers,
        )
    return Response(200, result.content_type, result.image, headers)


def _install(app: Any) -> Any:
    app.include_router(router)

    @app.exception_handler(MosaicError)
    def mosaic_error(exc: MosaicError) -> Response:
        logger.info("request failed", extra={"status": exc.status, "error": str(exc)})
        return _error(exc.status, str(exc))

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response:
        logger.exception("unexpected failure")
        return _error(500, "internal error")

    @app.not_found
    def not_found(_exc: Exception) -> Response:
        return _error(404, "no such route: use GET /mosaic/{series}")

    return app


http_api = _install(APIGatewayHttpResolver())
rest_api = _install(APIGatewayRestResolver())


def handle(event: dict, context: Any) -> dict:
    """Answer either payload version: v2 events say ``"version": "2.0"``."""
    app = http_api if event.get("version") == "2.0" else rest_api
    return app.resolve(event, context)
