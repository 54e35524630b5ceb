"""--root http(s)://: ranged reads against a local server, counted request by request."""

import time
import zlib

import pytest

from support.rangeserver import RangeServer
from support.s3 import client, moto_server, public_read, upload_series
from synth import (
    axial,
    header_length,
    make_series,
    marker_pixels,
    read_markers,
    shuffled,
    verbose_summary,
)

N = 20


@pytest.fixture
def series(root):
    specs = [axial(k, pixels=marker_pixels(k, (128, 128))) for k in range(N)]
    return make_series(root, "http20", shuffled(specs))


@pytest.fixture
def fast_timeouts(monkeypatch):
    monkeypatch.setenv("DICOM_MOSAIC_READ_TIMEOUT", "0.5")
    monkeypatch.setenv("DICOM_MOSAIC_CONNECT_TIMEOUT", "0.5")


def render(cli, tmp_path, uid, root, *extra, name="m.jpg"):
    out = tmp_path / name
    run = cli(uid, out, "--root", root, "--tile-width", 2, "-q", 100, "-v", *extra)
    return run, out


def test_same_mosaic_as_local_with_one_request_per_instance(root, tmp_path, cli, series):
    local, local_out = render(cli, tmp_path, series, root, name="local.jpg")
    assert local.code == 0, local.err
    with RangeServer(root) as server:
        run, out = render(cli, tmp_path, series, server.url)
    assert run.code == 0, run.err
    assert out.read_bytes() == local_out.read_bytes()
    assert read_markers(out, 2, 2) == [0, 6, 13, 19]
    log = server.log
    assert log.count("HEAD") == 0
    # 1 listing + one header read per instance + the 4 selected objects' pixel data
    assert log.count("GET") == 1 + N + 4
    assert all(
        rng and rng.startswith("bytes=") for _, path, rng in log.requests if path.endswith(".dcm")
    )
    files = sorted((root / series).iterdir())
    headers = sum(header_length(p) for p in files)
    selected = {p for _, p, r in log.requests if r and not r.startswith("bytes=0-")}
    assert len(selected) == 4
    selected_bytes = sum((root / p.lstrip("/")).stat().st_size for p in selected)
    index_bytes = log.bytes_sent - sum((root / p.lstrip("/")).stat().st_size for p in selected)
    # bytes beyond the selected objects: the listing page and unselected headers, ~5 % headroom
    assert log.bytes_sent <= 1.1 * (headers + selected_bytes) + 16384
    assert index_bytes > 0
    stats = verbose_summary(run.err)["stats"]
    assert stats["read_requests"] == N + 4 and stats["continuation_reads"] == 0


def test_server_ignoring_range_still_works(root, tmp_path, cli, series):
    with RangeServer(root) as good:
        _, expected = render(cli, tmp_path, series, good.url, name="good.jpg")
    with RangeServer(root, ranges=False) as server:
        run, out = render(cli, tmp_path, series, server.url)
    assert run.code == 0, run.err
    assert out.read_bytes() == expected.read_bytes()
    stats = verbose_summary(run.err)["stats"]
    total = sum(p.stat().st_size for p in (root / series).iterdir())
    # the client kept only what it needed from each full-body answer
    assert stats["bytes_read"] < 0.5 * total


def test_wildcard_through_html_index(root, tmp_path, cli, series):
    with RangeServer(root) as server:
        run, out = render(cli, tmp_path, series[:6] + "*", server.url)
    assert run.code == 0, run.err
    assert read_markers(out, 2, 2) == [0, 6, 13, 19]


def test_unknown_series_over_http_is_not_found(root, tmp_path, cli, series):
    uid = "00000000-0000-4000-8000-000000000000"
    with RangeServer(root) as server:
        run, out = render(cli, tmp_path, uid, server.url)
    assert run.code == 1 and f"series {uid} not found under {server.url}" in run.err
    assert not out.exists()


def test_root_that_cannot_be_listed_says_so(root, tmp_path, cli, series):
    with RangeServer(root, listing=False) as server:
        run, out = render(cli, tmp_path, series, server.url)
    assert run.code == 1
    assert "cannot list" in run.err and "HTTP 403" in run.err and "directory index" in run.err
    assert not out.exists()


def test_server_down_fails_fast_with_a_clear_message(tmp_path, cli, fast_timeouts):
    run, out = render(cli, tmp_path, "38902e14*", "http://127.0.0.1:9")
    assert run.code == 1 and "cannot list http://127.0.0.1:9" in run.err
    assert "Traceback" not in run.err.split("error:")[-1] and not out.exists()


@pytest.mark.parametrize("fault", ["503", "reset", "stall"])
def test_transient_faults_are_retried(root, tmp_path, cli, series, fast_timeouts, fault):
    def flaky(path, rng, nth):
        return (
            fault
            if path.endswith(".dcm") and nth == 1 and zlib.crc32(path.encode()) % 3 == 0
            else None
        )

    with RangeServer(root) as good:
        _, expected = render(cli, tmp_path, series, good.url, name="good.jpg")
    with RangeServer(root, fault=flaky, stall_seconds=1.5) as server:
        t0 = time.monotonic()
        run, out = render(cli, tmp_path, series, server.url)
        elapsed = time.monotonic() - t0
    assert run.code == 0, run.err
    assert out.read_bytes() == expected.read_bytes()
    faulted = {
        p
        for _, p, _ in server.log.requests
        if p.endswith(".dcm") and zlib.crc32(p.encode()) % 3 == 0
    }
    assert faulted and server.log.count("GET") >= 1 + N + 4 + len(faulted)
    assert elapsed < 10


def test_instance_failing_for_good_leaves_its_tile_black(
    root, tmp_path, cli, series, fast_timeouts
):
    with RangeServer(root) as good:
        run, _ = render(cli, tmp_path, series, good.url, name="good.jpg")
    tiles_line = next(x for x in run.err.splitlines() if x.startswith("dicom-mosaic: tiles:"))
    victim_key = tiles_line.split('"')[3]  # the object shown in the second tile

    def broken(path, rng, nth):  # header reads work; pixel reads always fail
        return (
            "503"
            if path.endswith(victim_key.split("/")[-1]) and not rng.startswith("bytes=0-")
            else None
        )

    with RangeServer(root, fault=broken) as server:
        t0 = time.monotonic()
        run, out = render(cli, tmp_path, series, server.url)
        elapsed = time.monotonic() - t0
    assert run.code == 0, run.err
    assert f"skipping {server.url}/{victim_key}" in run.err and "HTTP 503" in run.err
    assert "left black" in run.err
    assert read_markers(out, 2, 2) == [0, None, 13, 19]
    assert elapsed < 10


@pytest.fixture(scope="module")
def bucket_endpoint():
    with moto_server() as url:
        yield url


def test_bucket_https_endpoint_is_listed_with_s3_xml(root, tmp_path, cli, series, bucket_endpoint):
    """An S3 bucket's web endpoint (as https://<bucket>.s3.amazonaws.com is) used as an HTTP
    root: no directory index, so the series is found through ListObjectsV2's XML, paginated."""
    _, local_out = render(cli, tmp_path, series, root, name="local.jpg")
    s3 = client(bucket_endpoint)
    s3.create_bucket(Bucket="web")
    public_read(s3, "web")
    upload_series(s3, "web", root, series, prefix="ct/")
    bucket_root = f"{bucket_endpoint}/web/ct"
    run, out = render(cli, tmp_path, series, bucket_root)
    assert run.code == 0, run.err
    assert out.read_bytes() == local_out.read_bytes()
    stats = verbose_summary(run.err)["stats"]
    # the index attempt (S3 answers an XML error), then one ListObjectsV2 page
    assert stats["list_requests"] == 2
    assert stats["read_requests"] == N + 4
    run, out = render(cli, tmp_path, series[:5] + "*", bucket_root, name="wild.jpg")
    assert run.code == 0, run.err
    assert read_markers(out, 2, 2) == [0, 6, 13, 19]


def test_a_206_longer_than_the_range_is_cut_to_it(root, tmp_path, cli, series):
    with RangeServer(root) as good:
        good_run, expected = render(cli, tmp_path, series, good.url, name="good.jpg")

    def overlong(path, rng, nth):  # every ranged answer runs on to the end of the file
        return "overlong" if path.endswith(".dcm") else None

    with RangeServer(root, fault=overlong) as server:
        run, out = render(cli, tmp_path, series, server.url)
    assert run.code == 0, run.err
    assert out.read_bytes() == expected.read_bytes()
    got, want = verbose_summary(run.err)["stats"], verbose_summary(good_run.err)["stats"]
    for key in ("read_requests", "bytes_read", "continuation_reads"):
        assert got[key] == want[key], key


def test_one_keep_alive_connection_serves_a_whole_run(root, tmp_path, cli, monkeypatch):
    """With one request at a time, the listing, every header read (some of them whole small
    objects) and the pixel reads go over one keep-alive connection: no reconnects."""
    specs = [axial(k, pixels=marker_pixels(k, (8, 8))) for k in range(6)]  # whole in pass 1
    specs += [axial(k, pixels=marker_pixels(k, (128, 128))) for k in range(6, 12)]
    uid = make_series(root, "keepalive", shuffled(specs))
    monkeypatch.setenv("DICOM_MOSAIC_CONCURRENCY", "1")
    with RangeServer(root) as server:
        run, out = render(cli, tmp_path, uid, server.url)
    assert run.code == 0, run.err
    assert read_markers(out, 2, 2) == [0, 4, 7, 11]
    assert server.log.count("GET") == 1 + 12 + 4 - 2  # the two small ends came whole in pass 1
    assert server.log.connections == 1
