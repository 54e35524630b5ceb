"""Benchmark the CLI end to end (process start included) on local, HTTP and S3 roots.

Builds realistic CT series once under build/bench/, then for each scenario runs the installed
``dicom-mosaic`` several times and prints wall time, requests, bytes and peak RSS next to the
minimum the job needs. A benchmark, not a test: it asserts nothing, it reports.

    make bench            # or: .venv/bin/python bench/run.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from dicom_mosaic.sample import InstanceSpec, phantom_slice, stable_uuid, write_series  # noqa: E402
from support.rangeserver import RangeServer  # noqa: E402
from support.s3 import FAKE_CREDENTIALS, client, moto_server, upload_series  # noqa: E402

EXE = Path(sys.executable).with_name("dicom-mosaic")
DATA = REPO / "build" / "bench"


def build(count: int, size: int) -> str:
    """A head-to-pelvis CT of ``count`` slices, ``size``² pixels, with a vendor private block."""
    uid = stable_uuid("bench", count, size)
    folder = DATA / uid
    if folder.is_dir() and len(list(folder.iterdir())) == count:
        return uid
    rng = np.random.default_rng(count)
    specs = []
    for i in np.random.default_rng(1).permutation(count):
        hu = phantom_slice(i / (count - 1), size, rng)
        specs.append(
            InstanceSpec(
                pixels=np.clip(np.rint(hu + 1024), 0, 4095).astype(np.uint16),
                position=(-175.0, -175.0, -1.25 * float(i)),
                instance_number=int(i) + 1,
                pixel_spacing=(350 / size, 350 / size),
                private_bytes=1500,
            )
        )
    write_series(DATA, uid, specs)
    return uid


def header_length(path: Path) -> int:
    import pydicom

    with open(path, "rb") as fh:
        pydicom.dcmread(fh, stop_before_pixels=True)
        return fh.tell()


def minimum(uid: str, selected: list[str]) -> tuple[int, int]:
    """(bytes, requests) the job cannot do without: every header + the selected objects."""
    files = sorted((DATA / uid).iterdir())
    headers = {p.name: header_length(p) for p in files}
    chosen = {Path(k).name for k in selected if k}
    need = sum(headers.values()) + sum((DATA / uid / n).stat().st_size - headers[n] for n in chosen)
    return need, len(files) + len(chosen)


def run_once(exe: str, uid: str, root: str, env: dict[str, str]) -> dict:
    out = DATA / "out.webp"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [exe, uid, str(out), "--root", root, "-v"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    _, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({root}):\n{stderr}")
    summary = json.loads(
        next(x for x in stderr.splitlines() if x.startswith("dicom-mosaic: {")).removeprefix(
            "dicom-mosaic: "
        )
    )
    tiles = json.loads(
        next(x for x in stderr.splitlines() if x.startswith("dicom-mosaic: tiles:")).removeprefix(
            "dicom-mosaic: tiles: "
        )
    )
    return {"wall": wall, "stats": summary["stats"], "tiles": tiles}


_RSS_WRAPPER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_rss_mb(exe: str, uid: str, root: str, env: dict[str, str]) -> float:
    """Peak RSS of one run. Measured from a small wrapper process: a child forked straight from
    this (large) process would report this process's pages as its own peak."""
    wrapper = [sys.executable, "-S", "-c", _RSS_WRAPPER]
    out = subprocess.run(
        [*wrapper, exe, uid, str(DATA / "rss.webp"), "--root", root],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return int(out.stdout.strip()) / 1024


def scenario(exe: str, name: str, uid: str, root: str, env: dict, runs: int, server=None) -> dict:
    run_once(exe, uid, root, env)  # warm the page cache and the .pyc files
    results = []
    for _ in range(runs):
        if server:
            server.log.requests.clear()
            server.log.bytes_sent = 0
        r = run_once(exe, uid, root, env)
        if server:
            r["server_requests"] = len(server.log.requests)
            r["server_heads"] = server.log.count("HEAD")
            r["server_bytes"] = server.log.bytes_sent
        results.append(r)
    walls = [r["wall"] for r in results]
    last = results[-1]
    need_bytes, need_reads = minimum(uid, last["tiles"])
    stats = last["stats"]
    requests = stats["list_requests"] + stats["read_requests"]
    return {
        "scenario": name,
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "requests": requests,
        "min_requests": stats["list_requests"] + need_reads,
        "continuations": stats["continuation_reads"],
        "bytes": stats["bytes_read"],
        "min_bytes": need_bytes,
        "server": (last.get("server_requests"), last.get("server_heads"), last.get("server_bytes")),
        "rss_mb": peak_rss_mb(exe, uid, root, env),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="only the 305-instance series")
    parser.add_argument("--exe", type=Path, default=EXE, help="the dicom-mosaic to time")
    args = parser.parse_args()
    exe = str(args.exe.resolve())
    DATA.mkdir(parents=True, exist_ok=True)
    series = [("305x512", build(305, 512))]
    if not args.quick:
        series.append(("1000x256", build(1000, 256)))
    env = {**os.environ, **FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}
    rows = []
    with moto_server() as endpoint:
        s3 = client(endpoint)
        s3.create_bucket(Bucket="bench")
        for label, uid in series:
            upload_series(s3, "bench", DATA, uid)
            rows.append(scenario(exe, f"{label} local", uid, str(DATA), env, args.runs))
            for latency in (0.0, 0.02):
                with RangeServer(DATA, latency=latency) as server:
                    rows.append(
                        scenario(
                            exe,
                            f"{label} http {latency * 1000:.0f}ms",
                            uid,
                            server.url,
                            env,
                            args.runs,
                            server,
                        )
                    )
            s3_env = {**env, "AWS_ENDPOINT_URL": endpoint}
            rows.append(scenario(exe, f"{label} s3 (moto)", uid, "s3://bench", s3_env, args.runs))
    print(f"\ndicom-mosaic benchmark: 6x6 mosaic, {args.runs} runs each, {os.cpu_count()} cores")
    print(f"command: {exe}\n")
    head = (
        f"{'scenario':<22}{'median':>8}{'min':>8}{'max':>8}{'requests':>10}{'(min)':>7}"
        f"{'cont.':>6}{'MB read':>9}{'(min)':>7}{'ratio':>7}{'RSS MB':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['scenario']:<22}{r['median_s']:>7.2f}s{r['min_s']:>7.2f}s{r['max_s']:>7.2f}s"
            f"{r['requests']:>10}{r['min_requests']:>7}{r['continuations']:>6}"
            f"{r['bytes'] / 1e6:>9.2f}{r['min_bytes'] / 1e6:>7.2f}"
            f"{r['bytes'] / r['min_bytes']:>7.3f}{r['rss_mb']:>8.0f}"
        )
    http_rows = [r for r in rows if r["server"][0] is not None]
    if http_rows:
        print("\nserver side (HTTP): requests, HEAD requests, bytes sent")
        for r in http_rows:
            print(
                f"  {r['scenario']:<22}{r['server'][0]:>6}{r['server'][1]:>4}"
                f"{r['server'][2] / 1e6:>9.2f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
