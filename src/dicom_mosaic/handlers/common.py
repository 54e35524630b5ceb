"""What the Lambda adapters share: the deployer's policy (allowed roots, output bucket, limits)
and the translation of a finished result into S3 objects."""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any

from ..errors import MosaicError, UsageError
from ..request import MosaicRequest

#: IDC's three public buckets, and the ``idc`` shorthand that searches them.
DEFAULT_ALLOWED_ROOTS = "s3://idc-open-data,s3://idc-open-data-cr,s3://idc-open-data-two,idc"
#: Lambda answers at most 6 MB; base64 makes 4 bytes of 3. Larger images go to S3.
INLINE_LIMIT = 6 * 1024 * 1024 * 3 // 4 - 64 * 1024
#: Seconds kept back from the Lambda timeout to answer 504 cleanly.
SAFETY_MARGIN = 1.5


def allowed_roots() -> list[str]:
    raw = os.environ.get("ALLOWED_ROOTS", DEFAULT_ALLOWED_ROOTS)
    return [r.strip().rstrip("/") for r in raw.split(",") if r.strip()]


def check_root(root: str) -> None:
    """Refuse any root the deployer did not list, before a single request is sent (no SSRF).

    A listed root also allows the prefixes below it (``s3://bucket`` allows ``s3://bucket/a``),
    matched on whole path segments so ``s3://bucket`` never admits ``s3://bucket-evil``.
    """
    candidate = root.strip().rstrip("/")
    for allowed in allowed_roots():
        if candidate == allowed or candidate.startswith(allowed + "/"):
            if ".." in candidate[len(allowed) :].split("/"):
                break
            return
    raise UsageError(
        f"root {root!r} is not allowed here; allowed roots: {', '.join(allowed_roots())}"
    )


def deadline_from(context: Any) -> float | None:
    """A monotonic deadline a little before the Lambda timeout (None outside Lambda)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return time.monotonic() + max(0.5, remaining() / 1000 - SAFETY_MARGIN)


def request_digest(request: MosaicRequest) -> str:
    """A stable name for a request: equal requests map to the same output key."""
    canonical = json.dumps(request.to_mapping(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def output_bucket() -> str:
    bucket = os.environ.get("OUTPUT_BUCKET", "")
    if not bucket:
        raise MosaicError("no OUTPUT_BUCKET is configured for S3 output")
    return bucket


def s3_client() -> Any:
    import boto3  # deferred: the CLI path never needs it

    return boto3.client("s3")


def put_output(key: str, body: bytes, content_type: str) -> tuple[str, str]:
    """Store an object in the output bucket; return its S3 URI and a presigned GET URL."""
    bucket = output_bucket()
    client = s3_client()
    client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600
    )
    return f"s3://{bucket}/{key}", url


def output_key(request: MosaicRequest) -> str:
    return f"mosaics/{request_digest(request)}.{request.format}"
