"""A webhook receiver for the tests, run as its own process on 127.0.0.1: it writes each request
it gets (headers and body) as a JSON line to a file and answers by its path: `/ok` 200,
`/status/N` N, `/flaky/N` 500 to the first N attempts of each webhook-id then 200, `/slow/MS`
200 after MS milliseconds, `/retry-after/N/VALUE` N with `Retry-After: VALUE` (URL-quoted),
`/redirect/N` N with `Location: /landing` (which answers 200 to any method, so a followed
redirect shows in the log), `/endless` 200 with a body that never ends, `/hang` no answer.

python tests/webhooks/receiver.py PORT LOG_FILE
"""

import json
import sys
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()
_seen: Counter[str] = Counter()


class Handler(BaseHTTPRequestHandler):
    log_file = ""

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        msg_id = self.headers.get("webhook-id", "")
        with _lock:
            _seen[msg_id] += 1
            seen = _seen[msg_id]
            with open(self.log_file, "a", encoding="utf-8") as out:
                entry = {"path": self.path, "headers": dict(self.headers), "body": body.decode()}
                out.write(json.dumps(entry) + "\n")
        parts = self.path.strip("/").split("/")
        status = 200
        headers = {"content-length": "2"}
        if parts[0] == "endless":
            self._endless()
            return
        if parts[0] == "hang":
            time.sleep(3600)
            return
        if parts[0] == "retry-after":
            status = int(parts[1])
            headers["retry-after"] = urllib.parse.unquote(parts[2])
        elif parts[0] == "redirect":
            status = int(parts[1])
            headers["location"] = "/landing"
        elif parts[0] == "status":
            status = int(parts[1])
        elif parts[0] == "flaky" and seen <= int(parts[1]):
            status = 500
        elif parts[0] == "slow":
            time.sleep(int(parts[1]) / 1000)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(b"ok")

    def _endless(self) -> None:
        self.send_response(200)
        self.send_header("content-length", str(10**12))
        self.end_headers()
        chunk = b"x" * 65536
        try:
            while True:
                self.wfile.write(chunk)
        except OSError:  # the client hung up
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    port, log_file = int(sys.argv[1]), sys.argv[2]
    Handler.log_file = log_file
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
