"""Powertools Logger, Tracer and Metrics, created once per Lambda container.

Kept out of the core and the CLI: only the Lambda entry point imports this module.
"""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "dicom-mosaic"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace="DicomMosaic", service=SERVICE)

# The core logs through the standard "dicom_mosaic" logger; give it Powertools' JSON format.
logging.getLogger("dicom_mosaic").setLevel(logger.log_level)
copy_config_to_registered_loggers(source_logger=logger, include={"dicom_mosaic"})


def record(result_stats: dict, tiles: int, seconds: float) -> None:
    metrics.add_metric(name="RenderLatency", unit=MetricUnit.Milliseconds, value=seconds * 1000)
    metrics.add_metric(
        name="InstancesListed", unit=MetricUnit.Count, value=result_stats.get("objects", 0)
    )
    metrics.add_metric(
        name="BytesRead", unit=MetricUnit.Bytes, value=result_stats.get("bytes_read", 0)
    )
    metrics.add_metric(name="TilesRendered", unit=MetricUnit.Count, value=tiles)


def failed(status: int) -> None:
    metrics.add_metric(name=f"Failed{status}", unit=MetricUnit.Count, value=1)


def not_modified() -> None:
    """A cached preview revalidated (304): counted, since it costs a listing and no render."""
    metrics.add_metric(name="NotModified", unit=MetricUnit.Count, value=1)
