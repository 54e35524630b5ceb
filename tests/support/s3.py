"""moto helpers: a threaded S3 server on 127.0.0.1 and series uploads (public-read like IDC)."""

from __future__ import annotations

import json
import logging
import socket
from contextlib import contextmanager
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer
from werkzeug.serving import WSGIRequestHandler

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def moto_server():
    logging.getLogger("werkzeug").disabled = True  # it would log into a closed capture
    # werkzeug's handler leaves Nagle on: ~40 ms per keep-alive response that S3 never adds
    WSGIRequestHandler.disable_nagle_algorithm = True
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(endpoint: str | None = None):
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def public_read(s3, bucket: str) -> None:
    """IDC's buckets allow anonymous reads; moto refuses unsigned GETs without such a policy."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def upload_series(s3, bucket: str, local_root: Path, uid: str, prefix: str = "") -> None:
    for path in sorted((local_root / uid).iterdir()):
        s3.put_object(Bucket=bucket, Key=f"{prefix}{uid}/{path.name}", Body=path.read_bytes())
