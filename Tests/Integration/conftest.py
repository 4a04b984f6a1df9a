"""Fixtures and helpers for Darwaza's integration suite.

The suite drives the real `darwaza` binary (env DARWAZA_BIN, default
.build/debug/darwaza relative to the repository root) against Python grpcio
backends (echo_backend.py) and talks to it with curl (HTTP/1.1 and h2c prior
knowledge) and Python's http.client / raw sockets. Every server listens on
127.0.0.1 with port 0; every wait and loop is bounded.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from echo_backend import EchoBackend  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
ECHO_DESCRIPTORS = os.path.join(REPO_ROOT, "proto", "descriptors", "echo.binpb")
SERVICE = "darwaza.testing.echo.EchoService"

START_TIMEOUT = 30.0  # seconds for the gateway to print both addresses
STOP_TIMEOUT = 25.0  # seconds for the gateway to exit after SIGTERM (drain is 10 s)


def darwaza_bin():
    path = os.environ.get("DARWAZA_BIN", os.path.join(".build", "debug", "darwaza"))
    if not os.path.isabs(path):
        cwd_path = os.path.abspath(path)
        path = cwd_path if os.path.exists(cwd_path) else os.path.join(REPO_ROOT, path)
    return path


@pytest.fixture(scope="session")
def darwaza():
    path = darwaza_bin()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail("gateway binary not found at %s (build it or set DARWAZA_BIN)" % path, pytrace=False)
    if shutil.which("curl") is None:
        pytest.fail("curl is required", pytrace=False)
    return path


# --------------------------------------------------------------------------------------------
# Gateway process


class GatewayStartError(RuntimeError):
    pass


class Gateway:
    """One `darwaza serve` (or `demo`) process; parses the printed listening/admin addresses."""

    def __init__(self, binary, args, cwd=None, env=None, command="serve", need_admin=True, preexec_fn=None):
        self.binary = binary
        self.args = list(args)
        self.cwd = cwd
        self.env = env
        self.command = command
        self.need_admin = need_admin
        self.preexec_fn = preexec_fn
        self.proc = None
        self.stdout_lines = []
        self.url = None
        self.admin_url = None
        self._stderr_file = tempfile.NamedTemporaryFile(prefix="darwaza-stderr-", suffix=".log", delete=False)
        self._ready = threading.Event()
        self._reader = None

    @property
    def cmd(self):
        return [self.binary, self.command] + self.args

    def start(self, timeout=START_TIMEOUT):
        self.proc = subprocess.Popen(
            self.cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            cwd=self.cwd,
            env=self.env,
            preexec_fn=self.preexec_fn,
        )
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._ready.wait(0.05):
                return self
            if self.proc.poll() is not None:
                self._reader.join(2)
                raise GatewayStartError(
                    "gateway exited with %s before listening\ncmd: %s\nstdout: %s\nstderr: %s"
                    % (self.proc.returncode, self.cmd, "".join(self.stdout_lines), self.stderr())
                )
        self.kill()
        raise GatewayStartError(
            "gateway did not print its addresses within %.0fs\ncmd: %s\nstdout: %s\nstderr: %s"
            % (timeout, self.cmd, "".join(self.stdout_lines), self.stderr())
        )

    def _read_stdout(self):
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            self.stdout_lines.append(line)
            text = line.strip()
            if text.startswith("listening http://") and self.url is None:
                self.url = text.split(" ", 1)[1].strip().rstrip("/")
            elif text.startswith("admin http://") and self.admin_url is None:
                self.admin_url = text.split(" ", 1)[1].strip().rstrip("/")
            if self.url and (self.admin_url or not self.need_admin):
                self._ready.set()

    @property
    def host_port(self):
        hostport = self.url[len("http://"):].rstrip("/")
        host, port = hostport.rsplit(":", 1)
        return host, int(port)

    @property
    def port(self):
        return self.host_port[1]

    @property
    def authority(self):
        return self.url[len("http://"):].rstrip("/")

    @property
    def host(self):
        return self.host_port[0]

    @property
    def ws_url(self):
        return "ws://" + self.authority

    @property
    def pid(self):
        return self.proc.pid

    def stderr(self):
        try:
            with open(self._stderr_file.name, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Signals the process and returns its exit status (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        return self.proc.returncode

    def kill(self):
        if self.proc is not None:
            kill_process(self.proc)

    def cleanup(self):
        self.kill()
        try:
            os.unlink(self._stderr_file.name)
        except OSError:
            pass


def start_gateway(binary, args, cwd=None):
    gw = Gateway(binary, args, cwd=cwd)
    try:
        return gw.start()
    except GatewayStartError:
        gw.cleanup()
        raise


def stop_gateway_checked(gw):
    """Teardown: SIGTERM, and the gateway must exit 0."""
    try:
        rc = gw.stop()
        assert rc == 0, "gateway exit status after SIGTERM: %r (expected 0)\nstderr tail:\n%s" % (
            rc,
            gw.stderr()[-3000:],
        )
    finally:
        gw.cleanup()


def run_darwaza(binary, args, timeout=15.0, cwd=None):
    """Runs darwaza to completion (for commands expected to exit). Returns (rc, stdout, stderr);
    rc is None if it was still running after `timeout` (then killed)."""
    proc = subprocess.Popen(
        [binary] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=5)
        return None, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


# --------------------------------------------------------------------------------------------
# HTTP helpers


class Response:
    def __init__(self, status, headers, body, http_version=None):
        self.status = status
        self.headers = headers  # list of (lower-case name, value)
        self.body = body
        self.http_version = http_version

    def header(self, name):
        values = self.header_all(name)
        return ", ".join(values) if values else None

    def header_all(self, name):
        name = name.lower()
        return [v for (k, v) in self.headers if k == name]

    @property
    def content_type(self):
        return self.header("content-type")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        body = self.body if len(self.body) < 2000 else self.body[:2000] + b"..."
        return "<Response %s HTTP/%s headers=%r body=%r>" % (self.status, self.http_version, self.headers, body)


def kill_process(proc):
    """Kills a child process that still runs and reaps it (waiting at most 5 s)."""
    if proc.poll() is None:
        proc.kill()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass


def _parse_header_blocks(raw):
    text = raw.decode("iso-8859-1")
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    if not blocks:
        return None, None, []
    last = blocks[-1].split("\n")
    status_line = last[0]
    parts = status_line.split(" ", 2)
    version = parts[0].split("/", 1)[1] if "/" in parts[0] else parts[0]
    status = int(parts[1])
    headers = []
    for line in last[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers.append((k.strip().lower(), v.strip()))
    return status, version, headers


def curl(url, method=None, headers=(), data=None, json_body=None, http2=False, timeout=20, extra=(), check=True):
    """Runs curl; returns a Response. `headers` is a list of (name, value) or "Name: value" strings.
    `data` is bytes or str sent verbatim; `json_body` is serialised and sent as application/json."""
    tmp = tempfile.mkdtemp(prefix="darwaza-curl-")
    try:
        header_file = os.path.join(tmp, "headers")
        body_file = os.path.join(tmp, "body")
        cmd = [
            "curl", "-sS", "--globoff", "--path-as-is",
            "-D", header_file, "-o", body_file,
            "--max-time", str(timeout),
            "-H", "Expect:",
        ]
        if http2:
            cmd.append("--http2-prior-knowledge")
        else:
            cmd.append("--http1.1")
        if method:
            cmd += ["-X", method]
        hdrs = []
        for h in headers:
            hdrs.append(h if isinstance(h, str) else "%s: %s" % h)
        if json_body is not None:
            data = json.dumps(json_body)
            if not any(h.lower().startswith("content-type:") for h in hdrs):
                hdrs.append("Content-Type: application/json")
        for h in hdrs:
            cmd += ["-H", h]
        stdin = None
        if data is not None:
            if isinstance(data, str):
                data = data.encode("utf-8")
            cmd += ["--data-binary", "@-"]
            stdin = data
        cmd += list(extra)
        cmd.append(url)
        proc = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout + 10)
        raw_headers = open(header_file, "rb").read() if os.path.exists(header_file) else b""
        body = open(body_file, "rb").read() if os.path.exists(body_file) else b""
        if check and proc.returncode != 0:
            raise AssertionError(
                "curl failed (%d): %s\ncmd: %s\nheaders so far: %r" % (proc.returncode, proc.stderr.decode(), cmd, raw_headers)
            )
        status, version, header_list = _parse_header_blocks(raw_headers)
        resp = Response(status, header_list, body, version)
        resp.curl_rc = proc.returncode
        return resp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def http_request(host, port, method, path, headers=(), body=None, timeout=20):
    """One request with http.client (exact header control). Returns a Response."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=any(k.lower() == "host" for k, _ in headers),
                        skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        if body is not None:
            if isinstance(body, str):
                body = body.encode("utf-8")
            if not any(k.lower() == "content-length" for k, _ in headers):
                conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, [(k.lower(), v) for k, v in resp.getheaders()], data, "1.1")
    finally:
        conn.close()


def read_http_response(sock, timeout=10):
    """Parses one HTTP/1.1 response from a connected socket (after the request was sent)."""
    sock.settimeout(timeout)
    resp = http.client.HTTPResponse(sock)
    resp.begin()
    data = resp.read()
    return Response(resp.status, [(k.lower(), v) for k, v in resp.getheaders()], data, "1.1")


def raw_exchange(gateway, data, timeout=5.0):
    """Sends raw bytes to the gateway on a new connection (a send the gateway cuts short is
    fine) and returns all it answers until it closes or `timeout` passes."""
    sock = socket.create_connection(gateway.host_port, timeout=5)
    try:
        try:
            sock.sendall(data)
        except OSError:
            pass
        return recv_all(sock, timeout=timeout)
    finally:
        sock.close()


def recv_all(sock, timeout=5.0, limit=1 << 20):
    """Reads until the peer closes, `timeout` passes, or `limit` bytes; returns the bytes."""
    sock.settimeout(0.2)
    chunks = []
    total = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and total < limit:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            break
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def echo_descriptors():
    assert os.path.isfile(ECHO_DESCRIPTORS), "missing %s (run scripts/generate-descriptors.sh)" % ECHO_DESCRIPTORS
    return ECHO_DESCRIPTORS


@pytest.fixture(scope="session")
def backend(echo_descriptors):
    b = EchoBackend("b1", echo_descriptors)
    b.start()
    yield b
    b.stop()


MAIN_CONFIG = """\
# Main integration gateway: only forward_headers here; the rest comes from flags.
forward_headers:
  - x-request-id
  - X-Custom-Forward
"""


@pytest.fixture(scope="session")
def gateway(darwaza, backend, echo_descriptors, tmp_path_factory):
    d = tmp_path_factory.mktemp("main-gateway")
    config = d / "darwaza.yaml"
    config.write_text(MAIN_CONFIG)
    gw = start_gateway(
        darwaza,
        [
            "--config", str(config),
            "--descriptor-set", echo_descriptors,
            "--upstream", "%s=%s" % (SERVICE, backend.url),
            "--listen", "127.0.0.1:0",
            "--admin", "127.0.0.1:0",
        ],
    )
    yield gw
    stop_gateway_checked(gw)


def free_dead_port():
    """A 127.0.0.1 port that refuses connections (bound once, then closed)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
