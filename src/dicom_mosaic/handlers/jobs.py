"""S3 jobs: a JSON request object (or a list of them) lands under ``requests/`` in the jobs
bucket; each request's image goes to the output bucket, with a status object beside it.

Keys are derived from the request, so a redelivered event finds the output already there and
skips it. Every request ends in a status object (``ok`` or the error), so no job is lost
silently; transient failures (storage, time budget) are re-raised after all requests were tried,
letting Lambda's own retry run the job again, idempotently.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from .. import render
from ..errors import MosaicError, StorageError, TimeBudgetExceeded, UsageError
from ..request import MosaicRequest
from . import common
from .observability import failed, logger, record

TRANSIENT = (StorageError, TimeBudgetExceeded)
MAX_REQUESTS_PER_OBJECT = 1000
MAX_JOB_BYTES = 1024 * 1024


class JobsFailed(Exception):
    """Raised at the end so Lambda retries a job whose failures may be transient."""


def _status(key: str, body: dict[str, Any]) -> None:
    common.s3_client().put_object(
        Bucket=common.output_bucket(),
        Key=key,
        Body=json.dumps(body, indent=1).encode(),
        ContentType="application/json",
    )


def _exists(key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        common.s3_client().head_object(Bucket=common.output_bucket(), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def _load(bucket: str, key: str) -> list[dict[str, Any]]:
    obj = common.s3_client().get_object(Bucket=bucket, Key=key)
    if obj.get("ContentLength", 0) > MAX_JOB_BYTES:
        raise UsageError(f"job object is larger than {MAX_JOB_BYTES} bytes")
    try:
        data = json.loads(obj["Body"].read())
    except ValueError as exc:
        raise UsageError(f"job object is not JSON: {exc}") from None
    items = data if isinstance(data, list) else [data]
    if not items or len(items) > MAX_REQUESTS_PER_OBJECT:
        raise UsageError(f"a job object holds 1 to {MAX_REQUESTS_PER_OBJECT} requests")
    if not all(isinstance(i, dict) for i in items):
        raise UsageError("each request must be a JSON object")
    return items


def _run_one(item: dict[str, Any], source: str, context: Any) -> dict[str, Any]:
    request = MosaicRequest.from_mapping(item)
    common.check_root(request.root)
    digest = common.request_digest(request)
    image_key, status_key = common.output_key(request), f"status/{digest}.json"
    if _exists(image_key):
        return {"status": "skipped", "output": image_key}
    started = time.monotonic()
    result = render(request, deadline=common.deadline_from(context))
    record(result.stats, sum(t is not None for t in result.tiles), time.monotonic() - started)
    uri, _ = common.put_output(image_key, result.image, result.content_type)
    _status(
        status_key,
        {
            "status": "ok",
            "source": source,
            "request": request.to_mapping(),
            "output": uri,
            "series": result.series,
            "tiles": result.tiles,
            "warnings": result.warnings,
        },
    )
    return {"status": "ok", "output": uri}


def handle(event: dict, context: Any) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    transient = 0
    for record_ in S3Event(event).records:
        bucket = record_.s3.bucket.name
        key = unquote_plus(record_.s3.get_object.key)
        source = f"s3://{bucket}/{key}"
        try:
            items = _load(bucket, key)
        except (MosaicError, Exception) as exc:  # unreadable job: say so, next record
            failed(getattr(exc, "status", 400))
            logger.error("job object unreadable", extra={"source": source, "error": str(exc)})
            _status(
                f"status/jobs/{key}.json", {"status": "error", "source": source, "error": str(exc)}
            )
            results.append({"source": source, "status": "error", "error": str(exc)})
            continue
        for index, item in enumerate(items):
            where = f"{source}#{index}"
            try:
                outcome = _run_one(item, where, context)
            except MosaicError as exc:
                failed(exc.status)
                transient += isinstance(exc, TRANSIENT)
                logger.error(
                    "job failed", extra={"source": where, "status": exc.status, "error": str(exc)}
                )
                _status(
                    _error_key(item, key, index),
                    {
                        "status": "error",
                        "code": exc.status,
                        "source": where,
                        "request": item,
                        "error": str(exc),
                    },
                )
                outcome = {"status": "error", "code": exc.status, "error": str(exc)}
            results.append({"source": where, **outcome})
    summary = {s: sum(r["status"] == s for r in results) for s in ("ok", "skipped", "error")}
    logger.info("jobs done", extra=summary)
    if transient:
        raise JobsFailed(f"{transient} request(s) failed transiently; Lambda will retry")
    return {"results": results, **summary}


def _error_key(item: dict[str, Any], job_key: str, index: int) -> str:
    try:
        return f"status/{common.request_digest(MosaicRequest.from_mapping(item))}.json"
    except MosaicError:  # the request itself is invalid: name it by its place in the job
        return f"status/jobs/{job_key}#{index}.json"
