"""Runtime knobs that are the deployer's, not the caller's: read from the environment.

A request can never raise these (an API caller must not be able to ask for 10,000 threads);
the CLI user and the Lambda deployer set them with environment variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    concurrency: int = 64  #: parallel requests per run (pass 1 and pass 2 share the pool)
    connect_timeout: float = 5.0  #: seconds
    read_timeout: float = 15.0  #: seconds without a byte before a read is retried
    attempts: int = 4  #: tries per request, the first included
    #: refuse series with more objects than this (0: no limit). Each header held costs ~26 KB,
    #: so the largest IDC series (91,980 instances) would not fit a 2 GB Lambda.
    max_instances: int = 0

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            concurrency=max(1, min(256, int(_env_float("DICOM_MOSAIC_CONCURRENCY", 64)))),
            connect_timeout=_env_float("DICOM_MOSAIC_CONNECT_TIMEOUT", 5.0),
            read_timeout=_env_float("DICOM_MOSAIC_READ_TIMEOUT", 15.0),
            attempts=max(1, int(_env_float("DICOM_MOSAIC_ATTEMPTS", 4))),
            max_instances=max(0, int(_env_float("DICOM_MOSAIC_MAX_INSTANCES", 0))),
        )
