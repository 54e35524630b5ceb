"""The Lambda entry point with each event in events/ (and variants), against moto S3."""

import base64
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from moto import mock_aws
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, RTStructureSetStorage, generate_uid

from dicom_mosaic.sample import DEMO_SERIES, demo_series
from support.rangeserver import RangeServer
from support.s3 import FAKE_CREDENTIALS, client, upload_series

EVENTS = Path(__file__).parents[1] / "events"
OUT, JOBS = "dicom-mosaic-out", "dicom-mosaic-jobs"
RTSTRUCT = "0000aaaa-0000-4000-8000-000000000001"


@dataclass
class Context:
    remaining_ms: int = 30_000
    function_name: str = "dicom-mosaic"
    memory_limit_in_mb: int = 2048
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:dicom-mosaic"
    aws_request_id: str = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def event(name: str, **query) -> dict:
    data = json.loads((EVENTS / name).read_text())
    if query:
        params = {**(data.get("queryStringParameters") or {}), **query}
        data["queryStringParameters"] = {k: v for k, v in params.items() if v is not None}
    return data


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    demo_series(root, slices=30, size=64)
    return root


@pytest.fixture
def aws(monkeypatch, demo_dir, tmp_path):
    for k, v in {
        **FAKE_CREDENTIALS,
        "AWS_DEFAULT_REGION": "us-east-1",
        "OUTPUT_BUCKET": OUT,
        "POWERTOOLS_TRACE_DISABLED": "1",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("ALLOWED_ROOTS", raising=False)
    with mock_aws():
        s3 = client()
        for bucket in ("idc-open-data", OUT, JOBS):
            s3.create_bucket(Bucket=bucket)
        upload_series(s3, "idc-open-data", demo_dir, DEMO_SERIES)
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = (
            RTStructureSetStorage,
            generate_uid(),
            "RTSTRUCT",
        )
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=True)
        s3.put_object(Bucket="idc-open-data", Key=f"{RTSTRUCT}/rs.dcm", Body=buf.getvalue())
        yield s3


def invoke(evt: dict, context: Context | None = None) -> dict:
    from dicom_mosaic.handlers.app import lambda_handler

    return lambda_handler(evt, context or Context())


def headers_of(response: dict) -> dict[str, str]:
    """Payload v2 answers ``headers``; v1 (REST) answers ``multiValueHeaders``."""
    if "headers" in response:
        return response["headers"]
    return {k: v[0] for k, v in response["multiValueHeaders"].items()}


def image_of(response: dict) -> Image.Image:
    assert response["isBase64Encoded"] is True
    return Image.open(io.BytesIO(base64.b64decode(response["body"])))


def error_of(response: dict) -> tuple[int, str]:
    assert headers_of(response)["Content-Type"] == "application/json"
    return response["statusCode"], json.loads(response["body"])["error"]


def test_http_api_v2_event_returns_the_image(aws):
    response = invoke(event("api-http-v2.json"))
    assert response["statusCode"] == 200
    headers = response["headers"]
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Cache-Control"] == "public, max-age=86400"
    assert headers["ETag"].startswith('"') and len(headers["ETag"]) == 34
    img = image_of(response)
    assert (img.format, img.size) == ("JPEG", (4 * 96, 3 * 96))


def test_rest_v1_event_returns_webp_by_default(aws):
    response = invoke(event("api-rest-v1.json"))
    assert response["statusCode"] == 200
    assert headers_of(response)["Content-Type"] == "image/webp"
    img = image_of(response)
    assert (img.format, img.size) == ("WEBP", (3 * 64, 3 * 64))


def test_etag_is_stable_and_if_none_match_answers_304(aws):
    first = invoke(event("api-http-v2.json"))
    again = invoke(event("api-http-v2.json"))
    assert first["headers"]["ETag"] == again["headers"]["ETag"]
    other = invoke(event("api-http-v2.json", tile_width="5"))
    assert other["headers"]["ETag"] != first["headers"]["ETag"]
    conditional = event("api-http-v2.json")
    conditional["headers"]["if-none-match"] = first["headers"]["ETag"]
    from dicom_mosaic.header import HeaderReader

    with pytest.MonkeyPatch.context() as patched:  # revalidation lists, and reads nothing
        patched.setattr(HeaderReader, "read", lambda *_: pytest.fail("a header was read"))
        response = invoke(conditional)
    assert response["statusCode"] == 304 and response["body"] == ""
    assert response["headers"]["ETag"] == first["headers"]["ETag"]
    assert response["headers"]["Cache-Control"] == "public, max-age=86400"
    conditional["headers"]["if-none-match"] = '"stale"'
    response = invoke(conditional)
    assert response["statusCode"] == 200 and response["headers"]["ETag"] == first["headers"]["ETag"]


def test_direct_invoke_event_matches_the_cli_byte_for_byte(aws, cli, tmp_path):
    evt = json.loads((EVENTS / "direct-invoke.json").read_text())
    response = invoke(evt)
    assert response["status"] == 200, response
    out = tmp_path / "cli.webp"
    run = cli(
        evt["series"],
        out,
        "--root",
        evt["root"],
        "--tile-width",
        evt["tile_width"],
        "--tile-height",
        evt["tile_height"],
        "--image-width",
        evt["image_width"],
        "--contrast-preset",
        evt["contrast_preset"],
        "-q",
        evt["quality"],
    )
    assert run.code == 0, run.err
    assert out.read_bytes() == base64.b64decode(response["image_base64"])


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"tile_width": "0"}, 400, "tile_width must be between 1 and 32, got 0"),
        ({"image_width": "4096"}, 400, "image_width must be between 8 and 2048"),
        ({"tile_width": "32", "image_width": "1024"}, 400, "mosaic would be 32768 px wide"),
        ({"quality": "500"}, 400, "quality must be between 0 and 100"),
        ({"output": "ftp"}, 400, "output must be inline or s3"),
        ({"position": "0.5"}, 400, "position cannot be combined with tile_width, tile_height"),
        ({"root": "/etc"}, 400, "root '/etc' is not allowed here"),
        ({"root": "file:///etc"}, 400, "is not allowed here"),
        ({"root": "s3://idc-open-data-evil"}, 400, "is not allowed here"),
        ({"root": "s3://idc-open-data/../x"}, 400, "is not allowed here"),
        ({"root": "http://169.254.169.254/latest"}, 400, "is not allowed here"),
    ],
)
def test_bad_parameters_are_400_with_a_json_message(aws, query, status, message):
    code, error = error_of(invoke(event("api-http-v2.json", **query)))
    assert (code, message in error) == (status, True), error


def test_root_outside_the_allow_list_sends_no_request(aws, tmp_path):
    with RangeServer(tmp_path) as server:
        code, error = error_of(invoke(event("api-http-v2.json", root=server.url)))
    assert code == 400 and "not allowed" in error
    assert server.log.requests == []


def series_event(series: str, **query) -> dict:
    evt = event("api-http-v2.json", **query)
    evt["pathParameters"]["series"] = series
    evt["rawPath"] = evt["requestContext"]["http"]["path"] = f"/mosaic/{series}"
    return evt


def test_unknown_series_is_404(aws):
    missing = "00000000-0000-4000-8000-000000000000"
    code, error = error_of(invoke(series_event(missing)))
    assert code == 404 and error == f"series {missing} not found under s3://idc-open-data"


def test_series_without_images_is_422(aws):
    code, error = error_of(invoke(series_event(RTSTRUCT)))
    assert code == 422 and "has no displayable images (modality RTSTRUCT)" in error


def test_storage_failure_is_502(aws, monkeypatch):
    monkeypatch.setenv("ALLOWED_ROOTS", "http://127.0.0.1:9")
    monkeypatch.setenv("DICOM_MOSAIC_CONNECT_TIMEOUT", "0.5")
    code, error = error_of(invoke(event("api-http-v2.json", root="http://127.0.0.1:9")))
    assert code == 502 and "cannot list http://127.0.0.1:9" in error


def test_time_budget_is_504(aws, monkeypatch, demo_dir):
    with RangeServer(demo_dir, latency=0.4) as server:
        monkeypatch.setenv("ALLOWED_ROOTS", server.url)
        response = invoke(event("api-http-v2.json", root=server.url), Context(remaining_ms=500))
    code, error = error_of(response)
    assert code == 504 and "time budget ran out" in error


def test_unknown_route_is_404_json(aws):
    evt = event("api-http-v2.json")
    evt["rawPath"] = evt["requestContext"]["http"]["path"] = "/nothing"
    code, error = error_of(invoke(evt))
    assert code == 404 and "GET /mosaic/{series}" in error


def test_output_s3_writes_the_image_and_answers_a_presigned_url(aws):
    response = invoke(event("api-http-v2.json", output="s3"))
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    bucket, _, key = body["s3_uri"].removeprefix("s3://").partition("/")
    assert bucket == OUT and key.startswith("mosaics/") and key.endswith(".jpeg")
    assert "X-Amz-Signature" in body["url"] or "Signature" in body["url"]
    img = Image.open(io.BytesIO(aws.get_object(Bucket=OUT, Key=key)["Body"].read()))
    assert img.size == (body["width"], body["height"]) == (384, 288)


def test_image_too_large_for_a_response_goes_to_s3(aws, monkeypatch):
    from dicom_mosaic.handlers import common

    monkeypatch.setattr(common, "INLINE_LIMIT", 100)
    response = invoke(event("api-http-v2.json"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["s3_uri"].startswith(f"s3://{OUT}/mosaics/")


def keys(s3, bucket: str) -> dict[str, str]:
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: o["ETag"] + str(o["LastModified"]) for o in listed}


def test_s3_job_writes_outputs_and_statuses_and_redelivery_does_nothing_new(aws):
    body = (EVENTS / "s3-job-request.json").read_bytes()
    aws.put_object(Bucket=JOBS, Key="requests/cohort-1.json", Body=body)
    result = invoke(event("s3-job-put.json"))
    assert (result["ok"], result["skipped"], result["error"]) == (2, 0, 1)
    written = keys(aws, OUT)
    images = sorted(k for k in written if k.startswith("mosaics/"))
    statuses = sorted(k for k in written if k.startswith("status/"))
    assert sorted(k.rsplit(".", 1)[1] for k in images) == ["jpeg", "webp"]
    assert len(statuses) == 3
    docs = [json.loads(aws.get_object(Bucket=OUT, Key=k)["Body"].read()) for k in statuses]
    errors = [d for d in docs if d["status"] == "error"]
    assert len(errors) == 1 and errors[0]["code"] == 404 and "not found" in errors[0]["error"]
    assert all(d["source"].startswith(f"s3://{JOBS}/requests/cohort-1.json#") for d in docs)

    again = invoke(event("s3-job-put.json"))
    assert (again["ok"], again["skipped"], again["error"]) == (0, 2, 1)
    rewritten = keys(aws, OUT)
    assert {k: v for k, v in rewritten.items() if k in images} == {
        k: v for k, v in written.items() if k in images
    }


def test_s3_job_that_is_not_json_gets_an_error_status(aws):
    aws.put_object(Bucket=JOBS, Key="requests/cohort-1.json", Body=b"{not json")
    result = invoke(event("s3-job-put.json"))
    assert result["error"] == 1
    status = json.loads(
        aws.get_object(Bucket=OUT, Key="status/jobs/requests/cohort-1.json.json")["Body"].read()
    )
    assert status["status"] == "error" and "not JSON" in status["error"]


def test_s3_job_with_transient_failure_raises_for_lambda_retry(aws, monkeypatch):
    from dicom_mosaic.handlers.jobs import JobsFailed

    monkeypatch.setenv("ALLOWED_ROOTS", "http://127.0.0.1:9")
    monkeypatch.setenv("DICOM_MOSAIC_CONNECT_TIMEOUT", "0.5")
    job = [{"series": DEMO_SERIES, "root": "http://127.0.0.1:9"}]
    aws.put_object(Bucket=JOBS, Key="requests/cohort-1.json", Body=json.dumps(job).encode())
    with pytest.raises(JobsFailed):
        invoke(event("s3-job-put.json"))
    statuses = [k for k in keys(aws, OUT) if k.startswith("status/")]
    assert len(statuses) == 1
    doc = json.loads(aws.get_object(Bucket=OUT, Key=statuses[0])["Body"].read())
    assert doc["code"] == 502


def test_series_over_the_deployment_limit_is_422_before_any_header_is_read(aws, monkeypatch):
    from dicom_mosaic.header import HeaderReader

    monkeypatch.setenv("DICOM_MOSAIC_MAX_INSTANCES", "29")  # the demo series has 30
    with monkeypatch.context() as patched:
        patched.setattr(HeaderReader, "read", lambda *_: pytest.fail("a header was read"))
        code, error = error_of(invoke(event("api-http-v2.json")))
    assert code == 422
    assert error == (
        f"series {DEMO_SERIES} has 30 objects; this deployment renders series of up to 29 "
        "(DICOM_MOSAIC_MAX_INSTANCES)"
    )
    monkeypatch.setenv("DICOM_MOSAIC_MAX_INSTANCES", "30")
    assert invoke(event("api-http-v2.json"))["statusCode"] == 200
