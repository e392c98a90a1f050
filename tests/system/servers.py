"""Real server processes for system tests, and a TCP proxy that can cut a server off from its
database and reconnect it."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from service.accounts import service as accounts_service
from service.config import Settings
from service.db.session import Database

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_api_key(database_url: str, account: str) -> str:
    """A new API key for `account` (made if needed), as `create-key` makes one."""
    db = Database(Settings(database_url=database_url))
    try:
        return accounts_service.create_key(db, account, datetime.now(UTC))
    finally:
        db.dispose()


class Server:
    """`python -m service serve` (or `command`, given the port) on a free port, with its output
    kept in a log file; started once `ready` answers 200."""

    def __init__(
        self,
        database_url: str,
        log: Path,
        command: list[str] | None = None,
        ready: str = "/healthz",
        **env: str,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.command = command or [sys.executable, "-m", "service", "serve"]
        self.ready = ready
        self.env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(self.port), **env}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Server":
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [part.format(port=self.port) for part in self.command],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}{self.ready}", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not come up:\n{self.log.read_text()}")
            time.sleep(0.1)

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def wait(self, timeout: float = 30) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Proxy:
    """Forwards a local port to a target port; `cut()` drops every connection and refuses new
    ones until `mend()`. `hold()` makes it a black hole: what is sent is taken (the kernel
    acknowledges it) but goes nowhere and nothing comes back, on the connections open now and,
    unless `new=False`, on new ones, until `release()` lets it all through."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._flows: list[threading.Event] = []
        self._hold_new = False
        self._lock = threading.Lock()

    def hold(self, new: bool = True) -> None:
        with self._lock:
            self._hold_new = new
            for flow in self._flows:
                flow.clear()

    def release(self) -> None:
        with self._lock:
            self._hold_new = False
            for flow in self._flows:
                flow.set()

    def mend(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            sockets, self._open = self._open, []
            flows, self._flows = self._flows, []
            if self._listener is not None:
                sockets.append(self._listener)
                self._listener = None
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for flow in flows:  # held pumps go on, to find their sockets closed
            flow.set()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            flow = threading.Event()
            with self._lock:
                self._open += [client, upstream]
                self._flows.append(flow)
                if not self._hold_new:
                    flow.set()
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, target, flow), daemon=True).start()


def _pump(source: socket.socket, target: socket.socket, flow: threading.Event) -> None:
    try:
        while data := source.recv(65536):
            flow.wait()  # held: taken, and kept until released
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
