"""A local HTTP server for tests and the benchmark: honours Range (or not, on demand), serves an
HTML directory index, injects latency and faults, and counts requests and bytes sent.

Python's SimpleHTTPRequestHandler ignores Range, so this one implements it.
"""

from __future__ import annotations

import html
import os
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")

#: fault(path, range_header, count_for_path) -> None | "503" | "reset" | "stall" | "overlong"
#: ("overlong": a 206 whose body runs on to the end of the file, whatever range was asked)
Fault = Callable[[str, str | None, int], str | None]


@dataclass
class Log:
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, range
    bytes_sent: int = 0
    connections: int = 0  #: TCP connections accepted: keep-alive reuse shows here
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, method: str) -> int:
        return sum(1 for m, _, _ in self.requests if m == method)


class RangeServer:
    def __init__(
        self,
        directory: Path,
        *,
        ranges: bool = True,
        listing: bool = True,
        latency: float = 0.0,
        fault: Fault | None = None,
        stall_seconds: float = 2.0,
    ) -> None:
        self.directory = Path(directory)
        self.ranges, self.listing, self.latency = ranges, listing, latency
        self.fault, self.stall_seconds = fault, stall_seconds
        self.log = Log()
        self._per_path: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as separate small writes; with Nagle on, each response
            # waits ~40 ms for the client's delayed ACK, which no real server would add.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with server.log.lock:
                    server.log.connections += 1

            def do_HEAD(self) -> None:
                server._record("HEAD", self.path, None)
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                server._serve(self)

        class Server(ThreadingHTTPServer):
            # socketserver's listen backlog is 5: 64 clients connecting at once overflow it,
            # and the dropped SYNs are retried after 1 s, 3 s… (real servers queue hundreds)
            request_queue_size = 256

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> RangeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _record(self, method: str, path: str, rng: str | None) -> int:
        with self.log.lock:
            self.log.requests.append((method, path, rng))
            self._per_path[path] = self._per_path.get(path, 0) + 1
            return self._per_path[path]

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        rng = h.headers.get("Range")
        nth = self._record("GET", h.path, rng)
        if self.latency:
            time.sleep(self.latency)
        action = self.fault(h.path, rng, nth) if self.fault else None
        if action == "503":
            return self._send(h, 503, b"busy", "text/plain")
        if action == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.close_connection = True
            h.connection.close()
            return None
        if action == "stall":
            time.sleep(self.stall_seconds)
        path = self.directory / unquote(urlsplit(h.path).path).lstrip("/")
        if path.is_dir():
            if not self.listing:
                return self._send(h, 403, b"<html>Forbidden</html>", "text/html")
            return self._send(h, 200, self._index(path, h.path), "text/html; charset=utf-8")
        if not path.is_file():
            return self._send(h, 404, b"<html>Not Found</html>", "text/html")
        size = path.stat().st_size
        match = _RANGE.match(rng or "") if self.ranges else None
        if match:
            start = int(match.group(1))
            end = min(size - 1, int(match.group(2))) if match.group(2) else size - 1
            if action == "overlong":
                end = size - 1
            if start >= size:
                return self._send(h, 416, b"", "text/plain", {"Content-Range": f"bytes */{size}"})
            return self._send_file(
                h, 206, path, start, end + 1, {"Content-Range": f"bytes {start}-{end}/{size}"}
            )
        return self._send_file(h, 200, path, 0, size, {})

    def _index(self, path: Path, url_path: str) -> bytes:
        base = urlsplit(url_path).path
        base = base if base.endswith("/") else base + "/"
        links = ['<a href="../">../</a>']
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            name = entry.name + ("/" if entry.is_dir() else "")
            links.append(f'<a href="{quote(name)}">{html.escape(name)}</a> 01-Jan-2026 12:00 -')
        listing = "\n".join(links)
        title = f"<title>Index of {html.escape(base)}</title>"
        return f"<html><head>{title}</head><body><pre>{listing}</pre></body></html>".encode()

    def _send(self, h, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        self._write(h, body)

    def _send_file(self, h, status: int, path: Path, start: int, end: int, extra: dict) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/dicom")
        h.send_header("Content-Length", str(end - start))
        h.send_header("Accept-Ranges", "bytes" if self.ranges else "none")
        for k, v in extra.items():
            h.send_header(k, v)
        h.end_headers()
        with open(path, "rb") as fh:
            fh.seek(start)
            remaining = end - start
            while remaining > 0:
                chunk = fh.read(min(65536, remaining))
                if not chunk or not self._write(h, chunk):
                    h.close_connection = True
                    return
                remaining -= len(chunk)

    def _write(self, h, data: bytes) -> bool:
        try:
            h.wfile.write(data)
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return False
        with self.log.lock:
            self.log.bytes_sent += len(data)
        return True
