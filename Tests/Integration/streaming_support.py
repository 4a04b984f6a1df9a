"""Helpers for the streaming tests (test_streaming.py, test_browser.py) and scripts/bench-websocket.py.

* `RawWebSocket`: a WebSocket client on a plain socket, for what a library hides: exact
  handshake answers (status, headers, body), every frame as sent (opcode, FIN, RSV1, ping),
  fragmented, oversized or compressed frames, a client that stops reading (small SO_RCVBUF),
  one that never answers pings, or one that vanishes without a close frame.
* `StreamingCurl`: `curl -N` in the background, its output read line by line with bounded waits.
* `DarwazaProcess`: `darwaza serve|demo` with port 0, parsing the printed addresses.
* `write_config`: a YAML config for `darwaza serve --config`.

Every wait here is bounded; nothing loops without a deadline.
"""

import base64
import hashlib
import json
import os
import queue
import re
import socket
import struct
import subprocess
import tempfile
import threading
import time
import zlib

from conftest import REPO_ROOT, Gateway, _parse_header_blocks, kill_process

STREAMS_DESCRIPTORS = os.path.join(REPO_ROOT, "proto", "descriptors", "streams.binpb")
STREAM_SERVICE = "darwaza.testing.streams.StreamService"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
OPCODE_NAMES = {0: "cont", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


# ------------------------------------------------------------------------------------------
# Gateway / demo processes


class DarwazaProcess(Gateway):
    """`darwaza serve|demo` with port 0, optionally with a raised open-file limit."""

    def __init__(self, binary, command, args, need_admin=True, nofile=None, cwd=None):
        def raise_nofile(limit=nofile):
            import resource

            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            want = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))

        super().__init__(binary, args, cwd=cwd, command=command, need_admin=need_admin,
                         preexec_fn=raise_nofile if nofile else None)


def _yaml_value(value, indent):
    pad = "  " * indent
    if isinstance(value, dict):
        lines = []
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append("%s%s:" % (pad, json.dumps(str(k))))
                lines.append(_yaml_value(v, indent + 1))
            else:
                lines.append("%s%s: %s" % (pad, json.dumps(str(k)), json.dumps(v)))
        return "\n".join(lines)
    if isinstance(value, list):
        return "\n".join("%s- %s" % (pad, json.dumps(v)) for v in value)
    return pad + json.dumps(value)


def write_config(directory, settings, name="darwaza.yaml"):
    """Writes `settings` (dicts, lists, scalars; JSON scalars are valid YAML) as a YAML file."""
    path = os.path.join(str(directory), name)
    with open(path, "w") as f:
        f.write(_yaml_value(settings, 0) + "\n")
    return path


def stream_gateway_settings(backend_url, websocket=None, **extra):
    settings = {
        "descriptor_sets": [STREAMS_DESCRIPTORS],
        "upstreams": {STREAM_SERVICE: [backend_url]},
    }
    if websocket:
        settings["websocket"] = websocket
    settings.update(extra)
    return settings


def start_stream_gateway(binary, directory, backend_url, websocket=None, nofile=None, **extra):
    config = write_config(directory, stream_gateway_settings(backend_url, websocket, **extra))
    gw = DarwazaProcess(binary, "serve", ["--config", config, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"],
                        nofile=nofile)
    try:
        return gw.start()
    except Exception:
        gw.cleanup()
        raise


# ------------------------------------------------------------------------------------------
# Raw WebSocket client


class Frame:
    __slots__ = ("fin", "rsv1", "opcode", "payload", "at", "masked")

    def __init__(self, fin, rsv1, opcode, payload, at, masked=False):
        self.fin, self.rsv1, self.opcode, self.payload, self.at = fin, rsv1, opcode, payload, at
        self.masked = masked

    @property
    def close_code(self):
        return struct.unpack("!H", self.payload[:2])[0] if len(self.payload) >= 2 else None

    @property
    def close_reason(self):
        return self.payload[2:].decode("utf-8", "replace")

    def __repr__(self):
        p = self.payload if len(self.payload) <= 200 else self.payload[:200] + b"...(%d bytes)" % len(self.payload)
        if self.opcode == OP_CLOSE:
            return "<Frame close code=%r reason=%r>" % (self.close_code, self.close_reason)
        return "<Frame %s fin=%d rsv1=%d %r>" % (OPCODE_NAMES.get(self.opcode, self.opcode), self.fin, self.rsv1, p)


class HandshakeResponse:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (lower-case name, value)
        self.body = body

    def header(self, name):
        values = [v for k, v in self.headers if k == name.lower()]
        return ", ".join(values) if values else None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<HandshakeResponse %s %s headers=%r body=%r>" % (self.status, self.reason, self.headers, self.body[:2000])


class WebSocketClosed(Exception):
    pass


def encode_frame(opcode, payload=b"", fin=True, rsv1=False, mask=True):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + mask_bytes(payload, key)


def mask_bytes(payload, key):
    if not payload:
        return b""
    n = len(payload)
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(k, "little")).to_bytes(n, "little")


def deflate_message(data):
    """permessage-deflate for one message, no context takeover (RFC 7692 7.2.1)."""
    c = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def inflate_message(data, max_size=64 << 20):
    d = zlib.decompressobj(-15)
    out = d.decompress(data + b"\x00\x00\xff\xff", max_size)
    return out


class RawWebSocket:
    """A minimal RFC 6455 client on a socket. `connect` performs the handshake and returns the
    HandshakeResponse; on 101 the frame methods can be used."""

    def __init__(self, host, port, rcvbuf=None, timeout=10.0):
        self.host = host
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.buf = bytearray()
        self.response = None
        self.key = None
        self.deflate = False
        self.subprotocol = None
        self.closed = False

    # -- handshake

    def request_bytes(self, path, method="GET", host_header=None, headers=(), subprotocols=(), extensions=None,
                      origin=None, key=None, version="13", omit=()):
        self.key = key if key is not None else base64.b64encode(os.urandom(16)).decode()
        lines = ["%s %s HTTP/1.1" % (method, path)]
        fields = [
            ("Host", host_header or "%s:%d" % (self.host, self.port)),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", self.key),
            ("Sec-WebSocket-Version", version),
        ]
        if subprotocols:
            fields.append(("Sec-WebSocket-Protocol", ", ".join(subprotocols)))
        if extensions:
            fields.append(("Sec-WebSocket-Extensions", extensions))
        if origin is not None:
            fields.append(("Origin", origin))
        fields += list(headers)
        omit = {o.lower() for o in omit}
        for k, v in fields:
            if k.lower() not in omit:
                lines.append("%s: %s" % (k, v))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def connect(self, path, timeout=10.0, **kwargs):
        self.sock.sendall(self.request_bytes(path, **kwargs))
        return self.read_handshake(timeout)

    def read_handshake(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        self.buf = bytearray(rest)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip().lower(), v.strip()))
        body = b""
        resp = HandshakeResponse(status, reason, headers, body)
        if status != 101:
            length = resp.header("content-length")
            if length is not None:
                n = int(length)
                while len(self.buf) < n:
                    try:
                        self._fill(deadline)
                    except WebSocketClosed:
                        break
                resp.body = bytes(self.buf[:n])
                del self.buf[:n]
            elif (resp.header("transfer-encoding") or "").lower() == "chunked":
                resp.body = self._read_chunked(deadline)
            else:
                try:
                    while True:
                        self._fill(deadline)
                except (WebSocketClosed, socket.timeout, TimeoutError):
                    pass
                resp.body = bytes(self.buf)
                self.buf.clear()
        else:
            self.subprotocol = resp.header("sec-websocket-protocol")
            ext = resp.header("sec-websocket-extensions") or ""
            self.deflate = "permessage-deflate" in ext
        self.response = resp
        return resp

    def _read_chunked(self, deadline):
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill(deadline)
            line, _, rest = bytes(self.buf).partition(b"\r\n")
            size = int(line.split(b";")[0], 16)
            self.buf = bytearray(rest)
            while len(self.buf) < size + 2:
                self._fill(deadline)
            body += bytes(self.buf[:size])
            del self.buf[:size + 2]
            if size == 0:
                return body

    def expected_accept(self):
        return base64.b64encode(hashlib.sha1((self.key + WS_GUID).encode()).digest()).decode()

    # -- frames

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from the gateway in time (buffered %d bytes)" % len(self.buf))
        self.sock.settimeout(min(remaining, 1.0))
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            return
        except (ConnectionResetError, BrokenPipeError) as e:
            raise WebSocketClosed("connection reset: %s" % e)
        if not chunk:
            raise WebSocketClosed("connection closed by the gateway (no more bytes)")
        self.buf += chunk

    def send_frame(self, opcode, payload=b"", fin=True, rsv1=False, mask=True):
        self.sock.sendall(encode_frame(opcode, payload, fin, rsv1, mask))

    def send_text(self, text, compress=False):
        data = text.encode("utf-8") if isinstance(text, str) else text
        if compress:
            self.send_frame(OP_TEXT, deflate_message(data), rsv1=True)
        else:
            self.send_frame(OP_TEXT, data)

    def send_close(self, code=1000, reason=""):
        self.send_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode("utf-8"))

    def recv_frame(self, timeout=10.0):
        """The next frame as sent (no reassembly, no automatic pong). Raises TimeoutError or
        WebSocketClosed (the TCP connection ended)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self._parse_frame()
            if frame is not None:
                return frame
            self._fill(deadline)

    def _parse_frame(self):
        buf = self.buf
        if len(buf) < 2:
            return None
        b0, b1 = buf[0], buf[1]
        n = b1 & 0x7F
        pos = 2
        if n == 126:
            if len(buf) < 4:
                return None
            n = struct.unpack("!H", buf[2:4])[0]
            pos = 4
        elif n == 127:
            if len(buf) < 10:
                return None
            n = struct.unpack("!Q", buf[2:10])[0]
            pos = 10
        masked = bool(b1 & 0x80)
        key = None
        if masked:
            if len(buf) < pos + 4:
                return None
            key = bytes(buf[pos:pos + 4])
            pos += 4
        if len(buf) < pos + n:
            return None
        payload = bytes(buf[pos:pos + n])
        if masked:
            payload = mask_bytes(payload, key)
        del buf[:pos + n]
        return Frame(bool(b0 & 0x80), bool(b0 & 0x40), b0 & 0x0F, payload, time.monotonic(), masked)

    def recv_message(self, timeout=10.0, answer_pings=True, frames=None):
        """The next data message, reassembled and inflated: (opcode, bytes), or ("close", Frame).
        Control frames are appended to `frames` (a list) when given; pings are answered."""
        deadline = time.monotonic() + timeout
        parts = []
        first = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete message in time")
            f = self.recv_frame(remaining)
            if frames is not None:
                frames.append(f)
            if f.opcode == OP_PING:
                if answer_pings:
                    self.send_frame(OP_PONG, f.payload)
                continue
            if f.opcode == OP_PONG:
                continue
            if f.opcode == OP_CLOSE:
                return "close", f
            if first is None:
                first = f
            parts.append(f.payload)
            if f.fin:
                data = b"".join(parts)
                if first.rsv1:
                    data = inflate_message(data)
                return first.opcode, data

    def read_until_close(self, timeout=10.0, answer_pings=True, max_messages=1000000):
        """Reads messages until a close frame; returns (messages [(opcode, bytes)], close Frame or
        None if the connection ended without one)."""
        deadline = time.monotonic() + timeout
        messages = []
        while len(messages) < max_messages:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no close frame within %.1fs; got %d messages, last %r" % (
                    timeout, len(messages), messages[-1:]))
            try:
                kind, data = self.recv_message(remaining, answer_pings)
            except WebSocketClosed:
                return messages, None
            if kind == "close":
                return messages, data
            messages.append((kind, data))
        raise AssertionError("more than %d messages" % max_messages)

    def abort(self):
        """Vanishes: closes the TCP connection without a close frame (RST when data is unread)."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_socket()

    def close_socket(self):
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close_socket()


def json_messages(messages):
    """[(opcode, bytes)] of text messages -> [parsed JSON]; asserts they are all text."""
    out = []
    for opcode, data in messages:
        assert opcode == OP_TEXT, "expected text frames, got %s %r" % (OPCODE_NAMES.get(opcode), data[:200])
        out.append(json.loads(data.decode("utf-8")))
    return out


# ------------------------------------------------------------------------------------------
# websockets (library) helpers


def ws_collect(ws, timeout=10.0, max_messages=100000):
    """Reads from a websockets sync connection until it closes; returns (messages, close_code,
    close_reason). Text messages are parsed as JSON, binary kept as bytes."""
    from websockets.exceptions import ConnectionClosed

    deadline = time.monotonic() + timeout
    messages = []
    while len(messages) < max_messages:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("connection still open after %.1fs; got %d messages, last %r" % (
                timeout, len(messages), messages[-3:]))
        try:
            data = ws.recv(timeout=remaining)
        except TimeoutError:
            continue
        except ConnectionClosed as e:
            rcvd = e.rcvd
            return messages, (rcvd.code if rcvd else None), (rcvd.reason if rcvd else None)
        messages.append(json.loads(data) if isinstance(data, str) else data)
    raise AssertionError("more than %d messages" % max_messages)


def ws_connect(url, **kwargs):
    from websockets.sync.client import connect

    kwargs.setdefault("open_timeout", 10)
    kwargs.setdefault("close_timeout", 5)
    kwargs.setdefault("proxy", None)
    return connect(url, **kwargs)


# ------------------------------------------------------------------------------------------
# curl -N in the background


class StreamingCurl:
    """`curl -sS -N` writing the body to a pipe read line by line by a thread; headers to a file."""

    def __init__(self, url, headers=(), http2=False, method=None, data=None, max_time=60):
        self.tmp = tempfile.mkdtemp(prefix="darwaza-curl-n-")
        self.header_file = os.path.join(self.tmp, "headers")
        cmd = ["curl", "-sS", "-N", "--max-time", str(max_time), "-D", self.header_file,
               "--http2-prior-knowledge" if http2 else "--http1.1"]
        if method:
            cmd += ["-X", method]
        for h in headers:
            cmd += ["-H", h]
        if data is not None:
            cmd += ["--data-binary", data]
        cmd.append(url)
        self.cmd = cmd
        self.lines = queue.Queue()
        self.all_lines = []
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            self.all_lines.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def next_line(self, timeout=10.0):
        """The next output line (with its newline), or None at EOF. Raises TimeoutError."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("curl printed no line within %.1fs (so far %r)" % (timeout, self.all_lines[-5:]))

    def read_all(self, timeout=20.0):
        """Waits for curl to finish (bounded); returns the whole body text."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TimeoutError("curl still running after %.1fs; output so far %r" % (timeout, self.all_lines[-5:]))
        self._reader.join(5)
        return "".join(self.all_lines)

    def headers(self):
        try:
            with open(self.header_file, "rb") as f:
                raw = f.read()
        except OSError:
            return None, {}
        status, _, headers = _parse_header_blocks(raw)
        return status, dict(headers)

    def kill(self):
        kill_process(self.proc)

    def cleanup(self):
        self.kill()
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except Exception:
                pass
        import shutil

        shutil.rmtree(self.tmp, ignore_errors=True)


def parse_sse(text):
    """SSE body -> [(event or None, data)] for each event (blank-line separated)."""
    events = []
    for block in re.split(r"\r?\n\r?\n", text):
        if not block.strip():
            continue
        event, data = None, []
        for line in re.split(r"\r?\n", block):
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
        events.append((event, "\n".join(data)))
    return events


def rss_kb(pid):
    """Resident set size of a process in KiB (from /proc/PID/status)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)
