"""The Lambda entry point: one handler for every event shape, dispatched by what it holds.

- API Gateway HTTP API (payload v2) and REST API (v1) -> :mod:`.api`
- S3 ``ObjectCreated`` records from the jobs bucket -> :mod:`.jobs`
- anything else is a direct invocation holding request fields -> :mod:`.invoke`
"""

from __future__ import annotations

from typing import Any

from . import api, common, invoke, jobs
from .observability import failed, logger, metrics, record, tracer


def kind_of(event: dict[str, Any]) -> str:
    if "requestContext" in event and ("routeKey" in event or "httpMethod" in event):
        return "api"
    records = event.get("Records") or []
    if records and all("s3" in r for r in records):
        return "s3"
    return "invoke"


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    kind = kind_of(event)
    logger.append_keys(entry=kind)
    if kind == "api":
        return api.handle(event, context)
    if kind == "s3":
        return jobs.handle(event, context)
    response = invoke.handle(
        event, check_root=common.check_root, deadline=common.deadline_from(context)
    )
    if response["status"] == 200:
        tiles = sum(t is not None for t in response["tiles"])
        record(response["stats"], tiles, sum(response["stats"]["phases"].values()))
    else:
        failed(response["status"])
    return response
