"""--root s3://… and --root idc, against moto (in-process, and its threaded server)."""

import pytest
from moto import mock_aws

from dicom_mosaic.series import find_series
from dicom_mosaic.series_uid import parse_series_uid
from dicom_mosaic.storage import open_storage
from support.s3 import FAKE_CREDENTIALS, client, moto_server, public_read, upload_series
from synth import axial, make_series, marker_pixels, read_markers, shuffled, verbose_summary

N = 12


@pytest.fixture
def creds(monkeypatch):
    for k, v in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def series(root):
    specs = [axial(k, pixels=marker_pixels(k, (96, 96))) for k in range(N)]
    return make_series(root, "s3-12", shuffled(specs))


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url:
        yield url


def test_listing_paginates_and_keeps_sizes(creds):
    with mock_aws():
        s3 = client()
        s3.create_bucket(Bucket="big")
        for i in range(1003):
            s3.put_object(Bucket="big", Key=f"data/series-a/{i:05d}.dcm", Body=b"x" * (i % 7))
        storage = open_storage("s3://big/data")
        listing = storage.list("series-a/")
        assert len(listing.objects) == 1003
        assert listing.objects[5].key == "series-a/00005.dcm" and listing.objects[5].size == 5
        assert storage.stats.list_requests == 2  # 1000 per page


def test_prefix_root_and_wildcard_use_common_prefixes(creds, root, series):
    with mock_aws():
        s3 = client()
        s3.create_bucket(Bucket="mine")
        upload_series(s3, "mine", root, series, prefix="studies/ct/")
        s3.put_object(
            Bucket="mine", Key="studies/ct/ffffffff-0000-4000-8000-000000000000/x.dcm", Body=b""
        )
        storage = open_storage("s3://mine/studies/ct/")
        folder, objects = find_series(storage, parse_series_uid(series[:4] + "*"))
        assert folder == f"{series}/" and len(objects) == N
        assert all(o.key.startswith(f"{series}/") and o.size > 0 for o in objects)


def run_s3(cli, tmp_path, uid, root, name="s3.jpg"):
    out = tmp_path / name
    return cli(uid, out, "--root", root, "--tile-width", 2, "-q", 100, "-v"), out


def test_cli_against_moto_server_matches_local(
    cli, tmp_path, root, series, endpoint, creds, monkeypatch
):
    local, local_out = run_s3(cli, tmp_path, series, root, name="local.jpg")
    assert local.code == 0, local.err
    s3 = client(endpoint)
    s3.create_bucket(Bucket="signed")
    upload_series(s3, "signed", root, series)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    run, out = run_s3(cli, tmp_path, series, "s3://signed")
    assert run.code == 0, run.err
    assert out.read_bytes() == local_out.read_bytes()
    assert read_markers(out, 2, 2) == [0, 4, 7, 11]
    stats = verbose_summary(run.err)["stats"]
    assert stats["list_requests"] == 1
    assert stats["read_requests"] == N + 4 and stats["continuation_reads"] == 0


@pytest.fixture
def anonymous(monkeypatch, tmp_path):
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_anonymous_reads_of_a_public_bucket(
    cli, tmp_path, root, series, endpoint, anonymous, monkeypatch
):
    s3 = client(endpoint)
    s3.create_bucket(Bucket="public")
    public_read(s3, "public")
    upload_series(s3, "public", root, series)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    run, out = run_s3(cli, tmp_path, series, "s3://public")
    assert run.code == 0, run.err
    assert read_markers(out, 2, 2) == [0, 4, 7, 11]


def test_anonymous_reads_of_a_private_bucket_fail_clearly(
    cli, tmp_path, root, series, endpoint, anonymous, monkeypatch
):
    s3 = client(endpoint)
    s3.create_bucket(Bucket="private")
    upload_series(s3, "private", root, series)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    out = tmp_path / "private.webp"
    run = cli(series, out, "--root", "s3://private")
    assert run.code == 1
    assert f"cannot read s3://private/{series}/" in run.err and "access denied" in run.err
    assert run.err.count("\n") == 1  # one line, not a warning per instance on top
    assert not out.exists()


def test_root_idc_searches_the_three_buckets_in_order(
    cli, tmp_path, root, series, endpoint, creds, monkeypatch
):
    s3 = client(endpoint)
    for bucket in ("idc-open-data", "idc-open-data-cr", "idc-open-data-two"):
        s3.create_bucket(Bucket=bucket)
    upload_series(s3, "idc-open-data-two", root, series)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    run, out = run_s3(cli, tmp_path, series, "idc")
    assert run.code == 0, run.err
    assert read_markers(out, 2, 2) == [0, 4, 7, 11]
    assert verbose_summary(run.err)["stats"]["list_requests"] == 3
    run, out = run_s3(cli, tmp_path, series[:8] + "*", "idc", name="wild.jpg")
    assert run.code == 0, run.err
    missing = "00000000-0000-4000-8000-000000000000"
    run, _ = run_s3(cli, tmp_path, missing, "idc", name="missing.jpg")
    assert run.code == 1 and f"series {missing} not found under idc" in run.err


def test_missing_bucket_is_not_found(cli, tmp_path, endpoint, creds, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    run, out = run_s3(cli, tmp_path, "38902e14-b11f-4548-910e-771ee757dc82", "s3://no-such-bucket")
    assert run.code == 1 and "bucket no-such-bucket does not exist" in run.err
    assert not out.exists()
