"""Streaming answers of the gateway: the WebSocket bridge, Server-Sent Events and NDJSON.

The real `darwaza serve` (env DARWAZA_BIN, default .build/debug/darwaza) sits between clients and
a Python grpc.aio backend (stream_backend.py, darwaza.testing.streams.StreamService from
proto/descriptors/streams.binpb). Clients: the `websockets` library (sync client), a raw socket
WebSocket client (streaming_support.RawWebSocket) where a library would hide the frames, and
`curl -N` for SSE and NDJSON. The backend records every call (tag, messages sent/read,
cancellation time, status, authorization), which the tests check.

Not tested here because the gateway does not build it yet: client streaming over plain HTTP with
an NDJSON request body.
"""

import json
import os
import signal
import socket
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from conftest import stop_gateway_checked  # noqa: E402
from stream_backend import StreamBackend  # noqa: E402
from streaming_support import (  # noqa: E402
    OP_BINARY,
    OP_CLOSE,
    OP_PING,
    OP_TEXT,
    RawWebSocket,
    StreamingCurl,
    inflate_message,
    json_messages,
    parse_sse,
    start_stream_gateway,
    ws_collect,
    ws_connect,
)

# The main gateway's allowed origin besides its own.
APP_ORIGIN = "https://app.example.com"
CANCEL_WITHIN_NS = 1_000_000_000  # the backend must see a cancellation within 1 s


def new_tag(prefix="t"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def sbackend():
    b = StreamBackend()
    b.start()
    yield b
    b.stop()


def _gateway(darwaza, tmp_path_factory, backend, name, websocket, **extra):
    d = tmp_path_factory.mktemp(name)
    gw = start_stream_gateway(darwaza, d, backend.url, websocket=websocket, **extra)
    return gw


@pytest.fixture(scope="module")
def gw(darwaza, tmp_path_factory, sbackend):
    """Default WebSocket settings, plus one allowed foreign origin."""
    g = _gateway(darwaza, tmp_path_factory, sbackend, "ws-main", {"allowed_origins": [APP_ORIGIN]})
    yield g
    stop_gateway_checked(g)


@pytest.fixture(scope="module")
def gw_keepalive(darwaza, tmp_path_factory, sbackend):
    """Pings every second, idle close after 3 s, any origin, 1 KiB messages."""
    g = _gateway(darwaza, tmp_path_factory, sbackend, "ws-keepalive", {
        "allowed_origins": ["*"],
        "ping_interval_seconds": 1,
        "idle_timeout_seconds": 3,
        "max_message_bytes": 1024,
    })
    yield g
    stop_gateway_checked(g)


SMALL_BUFFERS = {"buffer_messages": 4, "buffer_bytes": 8192}


@pytest.fixture(scope="module")
def gw_slow(darwaza, tmp_path_factory, sbackend):
    """Small client buffers; a client behind for 2 s is closed."""
    g = _gateway(darwaza, tmp_path_factory, sbackend, "ws-slow", dict(SMALL_BUFFERS, slow_client_seconds=2))
    yield g
    stop_gateway_checked(g)


@pytest.fixture(scope="module")
def gw_patient(darwaza, tmp_path_factory, sbackend):
    """Small client buffers; a client may stay behind for 30 s."""
    g = _gateway(darwaza, tmp_path_factory, sbackend, "ws-patient", dict(SMALL_BUFFERS, slow_client_seconds=30))
    yield g
    stop_gateway_checked(g)


def ws(gateway, path, **kwargs):
    return ws_connect(gateway.ws_url + path, **kwargs)


def raw(gateway, rcvbuf=None):
    return RawWebSocket(gateway.host, gateway.port, rcvbuf=rcvbuf)


def raw_open(gateway, path, rcvbuf=None, **kwargs):
    r = raw(gateway, rcvbuf)
    resp = r.connect(path, **kwargs)
    assert resp.status == 101, "GET %s (WebSocket upgrade): expected 101, got %r" % (path, resp)
    return r


def indices(messages):
    return [m["index"] for m in messages]


def assert_cancelled_soon(backend, tag, since_ns, what):
    rec = backend.wait_for(tag, lambda r: r["cancelled"], timeout=5.0)
    assert rec is not None, "%s: the backend never saw call %s" % (what, tag)
    assert rec["cancelled"], "%s: the backend's call was not cancelled within 5 s: %r" % (what, rec)
    delay = rec["cancelled_at_ns"] - since_ns
    assert delay < CANCEL_WITHIN_NS, "%s: the backend saw the cancellation %.3f s later (limit 1 s): %r" % (
        what, delay / 1e9, rec)
    return rec


# --------------------------------------------------------------------------------------------
# Handshake: sub-protocols, origins, routes


def test_handshake_accept_and_unmasked_frames(gw):
    r = raw(gw)
    with r:
        resp = r.connect("/v1/ticks/2?tag=%s" % new_tag())
        assert resp.status == 101, resp
        assert (resp.header("upgrade") or "").lower() == "websocket", resp
        assert "upgrade" in (resp.header("connection") or "").lower(), resp
        assert resp.header("sec-websocket-accept") == r.expected_accept(), resp
        assert resp.header("sec-websocket-protocol") is None, "no sub-protocol was offered: %r" % resp
        assert resp.header("sec-websocket-extensions") is None, "no extension was offered: %r" % resp
        frames = []
        while True:
            f = r.recv_frame(10)
            frames.append(f)
            if f.opcode == OP_CLOSE:
                break
        assert [f.opcode for f in frames] == [OP_TEXT, OP_TEXT, OP_CLOSE], frames
        assert not any(f.masked for f in frames), "server frames must not be masked: %r" % frames
        assert not any(f.rsv1 for f in frames), frames
        assert frames[-1].close_code == 1000, frames[-1]
        assert indices(json_messages([(f.opcode, f.payload) for f in frames[:2]])) == [1, 2]


@pytest.mark.parametrize("offered,selected", [
    ([], None),
    (["darwaza.json.v1"], "darwaza.json.v1"),
    (["darwaza.binary.v1"], "darwaza.binary.v1"),
    (["darwaza.json.v1", "darwaza.binary.v1"], "darwaza.binary.v1"),
    (["x.other", "darwaza.json.v1"], "darwaza.json.v1"),
    (["bearer.abc", "darwaza.json.v1"], "darwaza.json.v1"),
    (["x.other", "x.second"], "x.other"),
    (["bearer.abc"], "bearer.abc"),
])
def test_subprotocol_selection(gw, offered, selected):
    with raw(gw) as r:
        resp = r.connect("/v1/ticks/1?tag=%s" % new_tag(), subprotocols=offered)
        assert resp.status == 101, resp
        assert resp.header("sec-websocket-protocol") == selected, "offered %r: %r" % (offered, resp)
        messages, close = r.read_until_close(10)
        assert close is not None and close.close_code == 1000, (messages, close)
        expected_opcode = OP_BINARY if selected == "darwaza.binary.v1" else OP_TEXT
        assert [op for op, _ in messages] == [expected_opcode], messages


def _handshake(gateway, path, **kwargs):
    with raw(gateway) as r:
        return r.connect(path, **kwargs)


def _assert_json_error(resp, status, code):
    assert resp.status == status, "expected %d, got %r" % (status, resp)
    assert resp.header("sec-websocket-accept") is None, "no upgrade expected: %r" % resp
    assert (resp.header("content-type") or "").split(";")[0].strip() == "application/json", resp
    body = resp.json()
    assert body.get("code") == code, "expected google.rpc.Status code %d: %r" % (code, body)
    assert isinstance(body.get("message"), str) and body["message"], body
    return body


def test_origin_absent_allowed(gw):
    assert _handshake(gw, "/v1/ticks/1").status == 101


def test_origin_same_as_host_allowed(gw):
    resp = _handshake(gw, "/v1/ticks/1", origin="http://%s" % gw.authority)
    assert resp.status == 101, resp


def test_origin_same_as_host_header_allowed(gw):
    # The check compares with the Host header, whatever name the client used.
    resp = _handshake(gw, "/v1/ticks/1", host_header="localhost:%d" % gw.port, origin="http://localhost:%d" % gw.port)
    assert resp.status == 101, resp


def test_origin_listed_allowed(gw):
    resp = _handshake(gw, "/v1/ticks/1", origin=APP_ORIGIN)
    assert resp.status == 101, resp


@pytest.mark.parametrize("origin", [
    "http://evil.example.com",
    "https://app.example.com:8443",       # listed host, other port
    "http://127.0.0.1:1",                 # the gateway's host, other port
    "http://localhost:{port}",            # other host name than the Host header
    "null",
])
def test_origin_forbidden(gw, sbackend, origin):
    tag = new_tag()
    resp = _handshake(gw, "/v1/ticks/1?tag=%s" % tag, origin=origin.format(port=gw.port))
    _assert_json_error(resp, 403, 7)
    time.sleep(0.3)
    assert sbackend.record(tag) is None, "a refused upgrade must not call the backend"


def test_origin_wildcard_allows_all(gw_keepalive):
    resp = _handshake(gw_keepalive, "/v1/ticks/1", origin="http://evil.example.com")
    assert resp.status == 101, resp


@pytest.mark.parametrize("path", ["/v1/nothing/here", "/v1/streams/stats"])
def test_upgrade_without_streaming_route_404(gw, path):
    _assert_json_error(_handshake(gw, path), 404, 5)


@pytest.mark.parametrize("variant", ["no-key", "bad-version", "short-key"])
def test_bad_handshake_400(gw, variant):
    kwargs = {
        "no-key": {"omit": ["Sec-WebSocket-Key"]},
        "bad-version": {"version": "8"},
        "short-key": {"key": "c2hvcnQ="},  # base64 of 5 bytes, not 16
    }[variant]
    _assert_json_error(_handshake(gw, "/v1/ticks/1", **kwargs), 400, 3)


def test_upgrade_with_post_routes_by_get(gw):
    # /v1/sum and /v1/chat are POST routes: browsers upgrade with GET.
    for path in ("/v1/sum", "/v1/chat", "/v1/ticks:start"):
        resp = _handshake(gw, path)
        assert resp.status == 101, "%s: %r" % (path, resp)


# --------------------------------------------------------------------------------------------
# Server streaming over WebSocket


def test_ws_server_stream_ok(gw, sbackend):
    tag = new_tag()
    with ws(gw, "/v1/ticks/3?interval_ms=10&tag=%s" % tag) as c:
        assert c.subprotocol is None
        messages, code, reason = ws_collect(c, 15)
    assert indices(messages) == [1, 2, 3], messages
    assert all(m["tag"] == tag for m in messages), messages
    assert all(isinstance(m["sentAtNs"], str) for m in messages), "int64 renders as a JSON string: %r" % messages
    assert code == 1000, (code, reason)
    rec = sbackend.wait_for(tag, lambda r: r["status_code"] == 0, 5)
    assert rec["sent"] == 3 and not rec["cancelled"], rec


def test_ws_server_stream_many_in_order(gw):
    with ws(gw, "/v1/ticks/2000?tag=%s" % new_tag()) as c:
        messages, code, _ = ws_collect(c, 60)
    assert indices(messages) == list(range(1, 2001))
    assert code == 1000


def test_ws_query_binding_and_access_token_not_a_field(gw):
    tag = new_tag()
    started = 1234567890123456789
    with ws(gw, "/v1/ticks/2?tag=%s&started_at_ns=%d&payload_bytes=3&fill=z&access_token=q1" % (tag, started)) as c:
        messages, code, _ = ws_collect(c, 15)
    assert code == 1000, messages
    assert [m["startedAtNs"] for m in messages] == [str(started)] * 2
    assert [m["text"] for m in messages] == ["zzz"] * 2
    assert all(m["authorization"] == "Bearer q1" for m in messages), messages


def test_ws_body_route_first_frame_is_body(gw, sbackend):
    tag = new_tag()
    with ws(gw, "/v1/ticks:start") as c:
        # Nothing starts before the body arrives.
        with pytest.raises(TimeoutError):
            c.recv(timeout=0.5)
        assert sbackend.record(tag) is None
        c.send(json.dumps({"count": 2, "tag": tag, "intervalMs": 5}))
        messages, code, reason = ws_collect(c, 15)
    assert indices(messages) == [1, 2], messages
    assert code == 1000, (code, reason)


def test_ws_body_route_invalid_body(gw, sbackend):
    with ws(gw, "/v1/ticks:start") as c:
        c.send('{"count": 2, ')
        messages, code, reason = ws_collect(c, 15)
    assert len(messages) == 1 and set(messages[0]) == {"error"}, messages
    assert messages[0]["error"]["code"] == 3, messages
    assert code == 4003, (code, reason)


@pytest.mark.parametrize("path", ["/v1/ticks/0?interval_ms=100&tag={tag}", "/v1/ticks:start"])
def test_ws_frame_after_server_stream_started(gw, sbackend, path):
    tag = new_tag()
    with ws(gw, path.format(tag=tag)) as c:
        if path.startswith("/v1/ticks:start"):
            c.send(json.dumps({"count": 0, "intervalMs": 100, "tag": tag}))
        first = json.loads(c.recv(timeout=10))
        assert first["index"] == 1
        c.send(json.dumps({"count": 1}))
        messages, code, reason = ws_collect(c, 15)
    assert messages, "expected an error frame"
    err = messages[-1]
    assert set(err) == {"error"} and err["error"]["code"] == 3, messages
    assert all("index" in m for m in messages[:-1]), messages
    assert code == 4003, (code, reason)
    rec = sbackend.wait_for(tag, lambda r: r["cancelled"], 5)
    assert rec["cancelled"], "the backend call must be cancelled: %r" % rec


@pytest.mark.parametrize("code,close_code", [(5, 4005), (9, 4009), (13, 4013), (16, 4016)])
def test_ws_server_stream_error_mid_stream(gw, code, close_code):
    message = "failed with %d" % code
    path = "/v1/ticks/5?fail_at=3&fail_code=%d&fail_message=%s&tag=%s" % (code, message.replace(" ", "%20"), new_tag())
    with ws(gw, path) as c:
        messages, got_code, reason = ws_collect(c, 15)
    assert indices(messages[:2]) == [1, 2], messages
    assert messages[2:] == [{"error": {"code": code, "message": message}}], messages
    assert (got_code, reason) == (close_code, message)


def test_ws_server_stream_error_before_first_message(gw):
    with ws(gw, "/v1/ticks/5?fail_at=1&fail_code=5&fail_message=gone&tag=%s" % new_tag()) as c:
        messages, code, reason = ws_collect(c, 15)
    assert messages == [{"error": {"code": 5, "message": "gone"}}]
    assert (code, reason) == (4005, "gone")


def test_ws_upstream_unavailable(darwaza, tmp_path):
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()

    class Dead:
        url = "http://127.0.0.1:%d" % port

    g = start_stream_gateway(darwaza, tmp_path, Dead.url)
    try:
        with ws(g, "/v1/ticks/3") as c:
            messages, code, reason = ws_collect(c, 20)
        assert len(messages) == 1 and messages[0]["error"]["code"] == 14, messages
        assert code == 4014, (code, reason)
    finally:
        stop_gateway_checked(g)


# --------------------------------------------------------------------------------------------
# Client streaming and bidi over WebSocket


def test_ws_client_streaming_half_close(gw, sbackend):
    tag = new_tag()
    with ws(gw, "/v1/sum") as c:
        c.send(json.dumps({"value": "1", "tag": tag}))
        c.send(json.dumps({"value": 2}))
        c.send(json.dumps({"value": "3"}))
        rec = sbackend.wait_for(tag, lambda r: r["received"] == 3, 5)
        assert rec and rec["received"] == 3 and not rec["half_closed"], rec
        with pytest.raises(TimeoutError):
            c.recv(timeout=0.3)
        c.send("")  # empty text frame: end of the request messages
        messages, code, reason = ws_collect(c, 15)
    assert messages == [{"total": "6", "count": 3, "tag": tag}], messages
    assert code == 1000, (code, reason)
    rec = sbackend.wait_for(tag, lambda r: r["status_code"] == 0, 5)
    assert rec["half_closed"] and not rec["cancelled"], rec


def test_ws_client_streaming_error(gw):
    with ws(gw, "/v1/sum") as c:
        c.send(json.dumps({"value": 1, "tag": new_tag()}))
        c.send(json.dumps({"failCode": 11, "failMessage": "too big"}))
        messages, code, reason = ws_collect(c, 15)
    assert messages == [{"error": {"code": 11, "message": "too big"}}]
    assert (code, reason) == (4011, "too big")


def test_ws_bidi_interleaved_then_half_close(gw, sbackend):
    tag = new_tag()
    with ws(gw, "/v1/chat") as c:
        for seq in (1, 2, 3):
            c.send(json.dumps({"text": "m%d" % seq, "seq": seq, "tag": tag}))
            answer = json.loads(c.recv(timeout=10))  # each answer arrives before the next send
            assert {k: answer.get(k) for k in ("text", "seq", "note", "tag")} == {
                "text": "m%d" % seq, "seq": seq, "note": "echo", "tag": tag}, answer
        c.send("")
        messages, code, reason = ws_collect(c, 15)  # still reading after the half-close
    assert len(messages) == 1 and messages[0]["note"] == "end" and messages[0]["seq"] == 4, messages
    assert code == 1000, (code, reason)
    rec = sbackend.wait_for(tag, lambda r: r["status_code"] == 0, 5)
    assert rec["received"] == 3 and rec["sent"] == 4 and rec["half_closed"], rec


def test_ws_bidi_error(gw):
    with ws(gw, "/v1/chat") as c:
        c.send(json.dumps({"text": "a", "tag": new_tag()}))
        assert json.loads(c.recv(timeout=10))["note"] == "echo"
        c.send(json.dumps({"failCode": 9, "failMessage": "no more"}))
        messages, code, reason = ws_collect(c, 15)
    assert messages == [{"error": {"code": 9, "message": "no more"}}]
    assert (code, reason) == (4009, "no more")


@pytest.mark.parametrize("payload", ['{"text": ', "not json", '{"bogus": 1}', '{"seq": "abc"}', "[1]"])
def test_ws_invalid_message_4003(gw, payload):
    with ws(gw, "/v1/chat") as c:
        c.send(payload)
        messages, code, reason = ws_collect(c, 15)
    assert len(messages) == 1 and set(messages[0]) == {"error"}, messages
    err = messages[0]["error"]
    assert err["code"] == 3 and isinstance(err["message"], str) and err["message"], err
    if "bogus" in payload:
        assert "bogus" in err["message"], err
    assert code == 4003, (code, reason)


def test_ws_binary_frame_without_binary_protocol_1003(gw):
    with ws(gw, "/v1/chat", subprotocols=["darwaza.json.v1"]) as c:
        assert c.subprotocol == "darwaza.json.v1"
        c.send(b"\x0a\x01a")
        messages, code, reason = ws_collect(c, 15)
    assert messages == [] and code == 1003, (messages, code, reason)


def test_ws_binary_protocol_bidi_round_trip(gw, sbackend):
    EchoItem = sbackend.schema.cls("EchoItem")
    tag = new_tag()
    data = bytes(range(256))
    with ws(gw, "/v1/chat", subprotocols=["darwaza.binary.v1"]) as c:
        assert c.subprotocol == "darwaza.binary.v1"
        c.send(EchoItem(text="h\u00e9llo \u2603", seq=7, data=data, tag=tag).SerializeToString())
        answer = c.recv(timeout=10)
        assert isinstance(answer, bytes), "binary frames expected, got %r" % answer
        item = EchoItem.FromString(answer)
        assert (item.text, item.seq, item.data, item.note, item.tag) == ("h\u00e9llo \u2603", 7, data, "echo", tag)
        c.send(EchoItem(seq=8).SerializeToString())  # all-default fields: an empty binary message
        assert EchoItem.FromString(c.recv(timeout=10)).seq == 8
        c.send("")  # half-close is an empty TEXT frame in every mode
        messages, code, reason = ws_collect(c, 15)
    assert len(messages) == 1 and isinstance(messages[0], bytes), messages
    assert EchoItem.FromString(messages[0]).note == "end"
    assert code == 1000, (code, reason)


def test_ws_binary_protocol_server_stream(gw, sbackend):
    Tick = sbackend.schema.cls("Tick")
    with ws(gw, "/v1/ticks/3?payload_bytes=4&tag=%s" % new_tag(), subprotocols=["darwaza.json.v1", "darwaza.binary.v1"]) as c:
        assert c.subprotocol == "darwaza.binary.v1"
        messages, code, _ = ws_collect(c, 15)
    assert all(isinstance(m, bytes) for m in messages), messages
    ticks = [Tick.FromString(m) for m in messages]
    assert [t.index for t in ticks] == [1, 2, 3] and all(len(t.payload) == 4 for t in ticks)
    assert code == 1000


def test_ws_binary_protocol_client_streaming(gw, sbackend):
    SumItem, SumReply = sbackend.schema.cls("SumItem"), sbackend.schema.cls("SumReply")
    with ws(gw, "/v1/sum", subprotocols=["darwaza.binary.v1"]) as c:
        for v in (10, -3, 5):
            c.send(SumItem(value=v).SerializeToString())
        c.send("")
        messages, code, _ = ws_collect(c, 15)
    assert len(messages) == 1 and SumReply.FromString(messages[0]).total == 12, messages
    assert code == 1000


def test_ws_binary_protocol_invalid_protobuf_4003(gw):
    with ws(gw, "/v1/chat", subprotocols=["darwaza.binary.v1"]) as c:
        c.send(b"\x0a\xff")  # field 1, length 255, truncated
        messages, code, _ = ws_collect(c, 15)
    assert len(messages) == 1 and isinstance(messages[0], dict), "expected one JSON error text frame: %r" % messages
    assert set(messages[0]) == {"error"} and messages[0]["error"]["code"] == 3, messages
    assert code == 4003


# --------------------------------------------------------------------------------------------
# Message size limits


def _text_message_of(size):
    """A valid EchoItem JSON text of exactly `size` bytes."""
    head, tail = '{"text":"', '"}'
    return head + "x" * (size - len(head) - len(tail)) + tail


def test_ws_message_at_default_limit_accepted(gw):
    msg = _text_message_of(1 << 20)
    with ws(gw, "/v1/chat", compression=None, max_size=None) as c:
        c.send(msg)
        answer = json.loads(c.recv(timeout=30))
        assert answer["note"] == "echo" and len(answer["text"]) == len(msg) - 11
        c.send("")
        _, code, _ = ws_collect(c, 30)
    assert code == 1000


def test_ws_message_over_default_limit_1009(gw):
    with raw_open(gw, "/v1/chat") as r:
        r.send_text(_text_message_of((1 << 20) + 1))
        messages, close = r.read_until_close(20)
    assert messages == [] and close is not None and close.close_code == 1009, (messages, close)


def test_ws_compressed_message_over_limit_1009(gw):
    # 2 MiB of JSON that deflates to a few KiB: the limit applies to the message, not the wire.
    with ws(gw, "/v1/chat") as c:
        assert "permessage-deflate" in (c.response.headers.get("Sec-WebSocket-Extensions") or "")
        c.send(_text_message_of(2 << 20))
        messages, code, _ = ws_collect(c, 20)
    assert messages == [] and code == 1009, (messages, code)


def test_ws_configured_limit(gw_keepalive):
    with ws(gw_keepalive, "/v1/chat", compression=None) as c:
        c.send(_text_message_of(1024))
        assert json.loads(c.recv(timeout=10))["note"] == "echo"
        c.send(_text_message_of(1025))
        messages, code, _ = ws_collect(c, 15)
    assert messages == [] and code == 1009, (messages, code)


def test_ws_fragmented_message_over_limit_1009(gw_keepalive):
    msg = _text_message_of(1200).encode()
    with raw_open(gw_keepalive, "/v1/chat") as r:
        r.send_frame(OP_TEXT, msg[:600], fin=False)
        r.send_frame(0x0, msg[600:], fin=True)
        messages, close = r.read_until_close(15)
    assert messages == [] and close is not None and close.close_code == 1009, (messages, close)


def test_ws_fragmented_message_reassembled(gw):
    msg = json.dumps({"text": "frag", "seq": 5}).encode()
    with raw_open(gw, "/v1/chat") as r:
        r.send_frame(OP_TEXT, msg[:5], fin=False)
        r.send_frame(OP_PING, b"p")  # control frames may come between fragments
        r.send_frame(0x0, msg[5:12], fin=False)
        r.send_frame(0x0, msg[12:], fin=True)
        frames = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            frames.append(r.recv_frame(deadline - time.monotonic()))
            if any(f.opcode == 0xA for f in frames) and any(f.opcode == OP_TEXT for f in frames):
                break
    assert [f.payload for f in frames if f.opcode == 0xA] == [b"p"], "the ping must be answered: %r" % frames
    texts = [f for f in frames if f.opcode == OP_TEXT]
    assert len(texts) == 1 and texts[0].fin, frames
    answer = json.loads(texts[0].payload)
    assert (answer["text"], answer["seq"], answer["note"]) == ("frag", 5, "echo"), answer


# --------------------------------------------------------------------------------------------
# permessage-deflate


def test_ws_deflate_negotiated_with_library(gw):
    with ws(gw, "/v1/chat") as c:  # websockets offers permessage-deflate by default
        ext = c.response.headers.get("Sec-WebSocket-Extensions") or ""
        assert "permessage-deflate" in ext, ext
        assert "server_no_context_takeover" in ext and "client_no_context_takeover" in ext, ext
        big = "compress me " * 5000
        c.send(json.dumps({"text": big, "seq": 1}))
        assert json.loads(c.recv(timeout=15))["text"] == big
        c.send("")
        _, code, _ = ws_collect(c, 15)
    assert code == 1000


def test_ws_deflate_used_on_the_wire(gw):
    offer = "permessage-deflate; client_no_context_takeover; server_no_context_takeover"
    with raw(gw) as r:
        resp = r.connect("/v1/ticks/3?payload_bytes=20000&fill=a&tag=%s" % new_tag(), extensions=offer)
        assert resp.status == 101, resp
        ext = resp.header("sec-websocket-extensions") or ""
        assert ext.split(";")[0].strip() == "permessage-deflate", resp
        assert "server_no_context_takeover" in ext and "client_no_context_takeover" in ext, resp
        frames = []
        while True:
            f = r.recv_frame(15)
            if f.opcode == OP_CLOSE:
                break
            frames.append(f)
    assert [f.opcode for f in frames] == [OP_TEXT] * 3 and all(f.fin for f in frames), frames
    for f in frames:
        assert f.rsv1, "data frames must be compressed (RSV1): %r" % f
        text = inflate_message(f.payload)  # a fresh inflater each time: no context takeover
        tick = json.loads(text)
        assert tick["text"] == "a" * 20000
        assert len(f.payload) < len(text) // 4, "compressed %d bytes of %d" % (len(f.payload), len(text))


def test_ws_deflate_client_to_server(gw):
    offer = "permessage-deflate; client_no_context_takeover; server_no_context_takeover"
    with raw(gw) as r:
        resp = r.connect("/v1/chat", extensions=offer)
        assert resp.status == 101 and "permessage-deflate" in (resp.header("sec-websocket-extensions") or ""), resp
        for seq in (1, 2):
            r.send_text(json.dumps({"text": "b" * 3000, "seq": seq}), compress=True)
            kind, data = r.recv_message(10)
            assert kind == OP_TEXT, (kind, data)
            assert json.loads(data)["seq"] == seq and json.loads(data)["text"] == "b" * 3000
        r.send_text(json.dumps({"text": "plain", "seq": 3}))  # uncompressed frames stay allowed
        kind, data = r.recv_message(10)
        assert json.loads(data)["text"] == "plain"


# --------------------------------------------------------------------------------------------
# Bearer tokens


def test_ws_bearer_subprotocol(gw, sbackend):
    tag = new_tag()
    with ws(gw, "/v1/ticks/2?tag=%s" % tag, subprotocols=["darwaza.json.v1", "bearer.tok-123_abc"]) as c:
        assert c.subprotocol == "darwaza.json.v1"
        messages, code, _ = ws_collect(c, 15)
    assert [m.get("authorization") for m in messages] == ["Bearer tok-123_abc"] * 2, messages
    assert code == 1000
    assert sbackend.record(tag)["authorization"] == "Bearer tok-123_abc"


def test_ws_bearer_subprotocol_only(gw):
    with ws(gw, "/v1/ticks/1?tag=%s" % new_tag(), subprotocols=["bearer.only"]) as c:
        assert c.subprotocol == "bearer.only"
        messages, code, _ = ws_collect(c, 15)
    assert [m.get("authorization") for m in messages] == ["Bearer only"] and code == 1000


def test_ws_bearer_access_token_query(gw, sbackend):
    tag = new_tag()
    with ws(gw, "/v1/ticks/1?access_token=tok456&tag=%s" % tag) as c:
        messages, code, _ = ws_collect(c, 15)
    assert [m.get("authorization") for m in messages] == ["Bearer tok456"] and code == 1000, messages
    assert sbackend.record(tag)["authorization"] == "Bearer tok456"


def test_ws_bearer_on_client_and_bidi_streams(gw):
    with ws(gw, "/v1/sum?access_token=s1") as c:
        c.send(json.dumps({"value": 1}))
        c.send("")
        messages, code, _ = ws_collect(c, 15)
    assert messages[0]["authorization"] == "Bearer s1" and code == 1000, messages
    with ws(gw, "/v1/chat", subprotocols=["bearer.c2", "darwaza.json.v1"]) as c:
        c.send(json.dumps({"text": "x"}))
        assert json.loads(c.recv(timeout=10))["authorization"] == "Bearer c2"


def test_ws_authorization_header(gw):
    with ws(gw, "/v1/ticks/1?tag=%s" % new_tag(), additional_headers={"Authorization": "Bearer hdr"}) as c:
        messages, code, _ = ws_collect(c, 15)
    assert [m.get("authorization") for m in messages] == ["Bearer hdr"], messages


def test_ws_no_token_no_authorization(gw, sbackend):
    tag = new_tag()
    with ws(gw, "/v1/ticks/1?tag=%s" % tag, subprotocols=["darwaza.json.v1"]) as c:
        messages, _, _ = ws_collect(c, 15)
    assert "authorization" not in messages[0], messages
    assert sbackend.record(tag)["authorization"] == ""


# --------------------------------------------------------------------------------------------
# Cancellation: a client that goes away cancels the upstream call at once


def _open_unbounded(gateway, tag, rcvbuf=None):
    r = raw_open(gateway, "/v1/ticks/0?interval_ms=50&tag=%s" % tag, rcvbuf=rcvbuf)
    for expected in (1, 2):
        kind, data = r.recv_message(10)
        assert kind == OP_TEXT and json.loads(data)["index"] == expected, (kind, data)
    return r


def test_cancel_ws_client_vanishes(gw, sbackend):
    tag = new_tag()
    r = _open_unbounded(gw, tag)
    t0 = time.time_ns()
    r.abort()  # RST, no close frame
    assert_cancelled_soon(sbackend, tag, t0, "WebSocket client reset")


def test_cancel_ws_client_fin_without_close_frame(gw, sbackend):
    tag = new_tag()
    r = _open_unbounded(gw, tag)
    t0 = time.time_ns()
    r.sock.shutdown(socket.SHUT_WR)
    assert_cancelled_soon(sbackend, tag, t0, "WebSocket client FIN")
    r.close_socket()


def test_cancel_ws_client_close_frame(gw, sbackend):
    tag = new_tag()
    r = _open_unbounded(gw, tag)
    t0 = time.time_ns()
    r.send_close(1000, "bye")
    assert_cancelled_soon(sbackend, tag, t0, "WebSocket client close frame")
    # The gateway answers the close handshake (RFC 6455 5.5.1: echoing the code), with no new
    # messages for a call that the client has just ended (ticks already in flight may precede it).
    try:
        messages, close = r.read_until_close(5)
    finally:
        r.close_socket()
    assert close is not None, "the gateway must answer the client's close frame; got %r" % messages
    errors = [m for m in json_messages(messages) if "error" in m]
    assert errors == [], "no error message expected after the client's own close: %r" % errors
    assert close.close_code == 1000, "expected the client's code 1000 echoed, got %r" % close


def test_cancel_ws_library_close(gw, sbackend):
    tag = new_tag()
    with ws(gw, "/v1/ticks/0?interval_ms=50&tag=%s" % tag) as c:
        assert json.loads(c.recv(timeout=10))["index"] == 1
        t0 = time.time_ns()
        c.close()
    assert_cancelled_soon(sbackend, tag, t0, "websockets close()")


@pytest.mark.parametrize("path,first", [("/v1/sum", {"value": 1}), ("/v1/chat", {"text": "x"})])
def test_cancel_ws_client_and_bidi_streams(gw, sbackend, path, first):
    tag = new_tag()
    r = raw_open(gw, path)
    r.send_text(json.dumps(dict(first, tag=tag)))
    assert sbackend.wait_for(tag, lambda rec: rec["received"] == 1, 5)
    t0 = time.time_ns()
    r.abort()
    assert_cancelled_soon(sbackend, tag, t0, "%s client reset" % path)


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "h2c"])
@pytest.mark.parametrize("sse", [True, False], ids=["sse", "ndjson"])
def test_cancel_curl_killed(gw, sbackend, sse, http2):
    tag = new_tag()
    headers = ["Accept: text/event-stream"] if sse else []
    c = StreamingCurl(gw.url + "/v1/ticks/0?interval_ms=50&tag=%s" % tag, headers=headers, http2=http2)
    try:
        seen = 0
        deadline = time.monotonic() + 10
        while seen < 2 and time.monotonic() < deadline:
            line = c.next_line(10)
            assert line is not None, "curl ended early: %r" % c.all_lines
            if (sse and line.startswith("data: ")) or (not sse and line.strip()):
                seen += 1
        assert seen == 2
        t0 = time.time_ns()
        c.kill()
        assert_cancelled_soon(sbackend, tag, t0, "%s curl killed" % ("SSE" if sse else "NDJSON"))
    finally:
        c.cleanup()


# --------------------------------------------------------------------------------------------
# SSE and NDJSON


def test_ndjson_stream_ok(gw):
    c = StreamingCurl(gw.url + "/v1/ticks/3?tag=%s" % new_tag())
    try:
        body = c.read_all(20)
        status, headers = c.headers()
    finally:
        c.cleanup()
    assert status == 200
    assert headers.get("content-type", "").split(";")[0] == "application/x-ndjson", headers
    assert body.endswith("\n"), body
    assert indices([json.loads(line) for line in body.splitlines()]) == [1, 2, 3]


def test_ndjson_body_route(gw):
    tag = new_tag()
    c = StreamingCurl(gw.url + "/v1/ticks:start", method="POST", headers=["Content-Type: application/json"],
                      data=json.dumps({"count": 2, "tag": tag}))
    try:
        body = c.read_all(20)
        status, headers = c.headers()
    finally:
        c.cleanup()
    assert status == 200, body
    messages = [json.loads(line) for line in body.splitlines()]
    assert indices(messages) == [1, 2] and all(m["tag"] == tag for m in messages)


def test_ndjson_is_incremental(gw):
    c = StreamingCurl(gw.url + "/v1/ticks/3?interval_ms=600&tag=%s" % new_tag())
    try:
        t0 = time.monotonic()
        first = c.next_line(10)
        t_first = time.monotonic() - t0
        c.read_all(20)
        t_end = time.monotonic() - t0
    finally:
        c.cleanup()
    assert json.loads(first)["index"] == 1
    assert t_first < t_end - 0.9, "first line after %.2fs, end after %.2fs: not streamed" % (t_first, t_end)


def test_sse_stream_ok(gw):
    c = StreamingCurl(gw.url + "/v1/ticks/3?tag=%s" % new_tag(), headers=["Accept: text/event-stream"])
    try:
        body = c.read_all(20)
        status, headers = c.headers()
    finally:
        c.cleanup()
    assert status == 200
    assert headers.get("content-type", "").split(";")[0] == "text/event-stream", headers
    events = parse_sse(body)
    assert [e for e, _ in events] == [None] * 3, body
    assert indices([json.loads(d) for _, d in events]) == [1, 2, 3]
    assert body.count("data: ") == 3 and body.endswith("\n\n"), body


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "h2c"])
def test_ndjson_error_mid_stream(gw, http2):
    c = StreamingCurl(gw.url + "/v1/ticks/5?fail_at=3&fail_code=5&fail_message=gone&tag=%s" % new_tag(), http2=http2)
    try:
        body = c.read_all(20)
        status, headers = c.headers()
    finally:
        c.cleanup()
    assert status == 200 and headers.get("content-type", "").split(";")[0] == "application/x-ndjson", headers
    lines = [json.loads(line) for line in body.splitlines()]
    assert indices(lines[:2]) == [1, 2], body
    assert lines[2:] == [{"error": {"code": 5, "message": "gone"}}], body


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "h2c"])
def test_sse_error_mid_stream(gw, http2):
    c = StreamingCurl(gw.url + "/v1/ticks/5?fail_at=3&fail_code=5&fail_message=gone&tag=%s" % new_tag(),
                      headers=["Accept: text/event-stream"], http2=http2)
    try:
        body = c.read_all(20)
        status, headers = c.headers()
    finally:
        c.cleanup()
    assert status == 200 and headers.get("content-type", "").split(";")[0] == "text/event-stream", headers
    events = parse_sse(body)
    assert [e for e, _ in events] == [None, None, "error"], body
    assert indices([json.loads(d) for _, d in events[:2]]) == [1, 2]
    assert json.loads(events[2][1]) == {"code": 5, "message": "gone"}, body
    assert "event: error\ndata: " in body.replace("\r\n", "\n"), body


# Client streaming over plain HTTP (an NDJSON request body, one message a line). The brief for
# this suite said it was not built; the gateway's commit 387b766 builds it, so it is checked here.


def test_http_client_streaming_ndjson_body(gw, sbackend):
    tag = new_tag()
    body = '{"value": 1, "tag": "%s"}\n\n{"value": "2"}\r\n{"value": 3}' % tag
    c = StreamingCurl(gw.url + "/v1/sum", method="POST", headers=["Content-Type: application/x-ndjson"], data=body)
    try:
        text = c.read_all(20)
        status, headers = c.headers()
    finally:
        c.cleanup()
    assert status == 200, text
    assert headers.get("content-type", "").split(";")[0] == "application/json", headers
    assert json.loads(text) == {"total": "6", "count": 3, "tag": tag}, text
    rec = sbackend.wait_for(tag, lambda r: r["status_code"] == 0, 5)
    assert rec["received"] == 3 and rec["half_closed"], rec


def test_http_client_streaming_bad_line(gw):
    c = StreamingCurl(gw.url + "/v1/sum", method="POST", headers=["Content-Type: application/x-ndjson"],
                      data='{"value": 1}\n{"value": }\n')
    try:
        text = c.read_all(20)
        status, _ = c.headers()
    finally:
        c.cleanup()
    assert status == 400, text
    body = json.loads(text)
    assert body["code"] == 3 and body["message"].startswith("line 2:"), body


def test_http_bidi_ndjson_both_ways(gw):
    c = StreamingCurl(gw.url + "/v1/chat", method="POST", headers=["Content-Type: application/x-ndjson"],
                      data='{"text": "a", "seq": 1}\n{"text": "b", "seq": 2}\n')
    try:
        text = c.read_all(20)
        status, headers = c.headers()
    finally:
        c.cleanup()
    assert status == 200 and headers.get("content-type", "").split(";")[0] == "application/x-ndjson", (headers, text)
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(m.get("text"), m.get("seq"), m.get("note")) for m in lines] == [
        ("a", 1, "echo"), ("b", 2, "echo"), (None, 3, "end")], text


def test_unary_stats_route(gw, sbackend):
    tag = new_tag()
    with ws(gw, "/v1/ticks/2?tag=%s" % tag) as c:
        ws_collect(c, 15)
    sbackend.wait_for(tag, lambda r: r["status_code"] == 0, 5)
    c = StreamingCurl(gw.url + "/v1/streams/stats?tag=%s" % tag)
    try:
        body = c.read_all(20)
    finally:
        c.cleanup()
    calls = json.loads(body)["calls"]
    assert [(x["tag"], x["method"], x["sent"]) for x in calls] == [(tag, "Ticks", 2)], body


def test_admin_routes_flags(gw):
    c = StreamingCurl(gw.admin_url + "/routes")
    try:
        routes = json.loads(c.read_all(20))
    finally:
        c.cleanup()
    by = {(r["http_method"], r["path_template"]): r for r in routes}
    ticks = by[("GET", "/v1/ticks/{count}")]
    assert ticks["streaming"] is True and ticks["server_streaming"] is True and ticks["client_streaming"] is False
    chat = by[("POST", "/v1/chat")]
    assert chat["client_streaming"] is True and chat["server_streaming"] is True
    total = by[("POST", "/v1/sum")]
    assert total["client_streaming"] is True and total["server_streaming"] is False


# --------------------------------------------------------------------------------------------
# Keepalive


def test_keepalive_pings_and_pongs_keep_it_open(gw_keepalive):
    with raw_open(gw_keepalive, "/v1/ticks/0?interval_ms=250&tag=%s" % new_tag()) as r:
        frames = []
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            try:
                f = r.recv_frame(max(0.05, deadline - time.monotonic()))
            except TimeoutError:
                break
            frames.append(f)
            if f.opcode == OP_PING:
                r.send_frame(0xA, f.payload)
            assert f.opcode != OP_CLOSE, "closed although the client answered every ping: %r" % f
        pings = [f for f in frames if f.opcode == OP_PING]
        assert 3 <= len(pings) <= 7, "expected a ping about every second over 5 s, got %d" % len(pings)
        gaps = [b.at - a.at for a, b in zip(pings, pings[1:])]
        assert all(0.5 <= g <= 1.6 for g in gaps), gaps
        assert sum(1 for f in frames if f.opcode == OP_TEXT) >= 10


def test_idle_client_closed_1001(gw_keepalive, sbackend):
    tag = new_tag()
    with raw_open(gw_keepalive, "/v1/ticks/0?interval_ms=250&tag=%s" % tag) as r:
        t0 = time.monotonic()
        close = None
        deadline = t0 + 10
        while time.monotonic() < deadline:  # never answers pings, never sends anything
            f = r.recv_frame(deadline - time.monotonic())
            if f.opcode == OP_CLOSE:
                close = f
                break
        elapsed = time.monotonic() - t0
    assert close is not None and close.close_code == 1001, close
    assert 2.7 <= elapsed <= 5.0, "idle close after %.2fs (idle_timeout_seconds: 3)" % elapsed
    rec = sbackend.wait_for(tag, lambda x: x["cancelled"], 5)
    assert rec["cancelled"], rec


# --------------------------------------------------------------------------------------------
# Backpressure and slow clients


# 1000 random bytes (base64: 1336 characters) and 1000 characters of text: about 2.4 KB of JSON.
BIG_TICKS = "payload_bytes=1000"


def _sent_when_stable(backend, tag, settle=0.7, timeout=8.0):
    """Waits until the backend's sent count stops moving for `settle` seconds; returns it."""
    deadline = time.monotonic() + timeout
    last = -1
    since = time.monotonic()
    while time.monotonic() < deadline:
        rec = backend.record(tag)
        sent = rec["sent"] if rec else 0
        if sent != last:
            last, since = sent, time.monotonic()
        elif time.monotonic() - since >= settle and sent > 0:
            return sent
        time.sleep(0.05)
    return None


def test_backpressure_holds_backend_then_resumes(gw_patient, sbackend):
    count = 10000
    tag = new_tag("bp")
    r = raw_open(gw_patient, "/v1/ticks/%d?%s&tag=%s" % (count, BIG_TICKS, tag), rcvbuf=4096)
    try:
        held = _sent_when_stable(sbackend, tag)
        rec = sbackend.record(tag)
        assert held is not None, "the backend never stopped sending while the client read nothing: %r" % rec
        assert held <= count // 5, "backend sent %d of %d while the client read nothing" % (held, count)
        assert rec["status_code"] == -1 and not rec["cancelled"], rec
        # Now read everything: the stream resumes and completes, in order, without loss.
        messages, close = r.read_until_close(90)
    finally:
        r.close_socket()
    got = [json.loads(d)["index"] for _, d in messages]
    assert len(got) == count and got == list(range(1, count + 1)), (len(got), got[:3], got[-3:])
    assert close is not None and close.close_code == 1000, close
    rec = sbackend.wait_for(tag, lambda x: x["status_code"] == 0, 5)
    assert rec["sent"] == count, rec
    print("backpressure: backend held at %d of %d messages while the client read nothing" % (held, count))


def test_slow_client_closed_1008_and_backend_held(gw_slow, sbackend):
    count = 100000
    tag = new_tag("slow")
    r = raw_open(gw_slow, "/v1/ticks/%d?%s&tag=%s" % (count, BIG_TICKS, tag), rcvbuf=4096)
    t_open = time.time_ns()
    try:
        time.sleep(1.2)
        before = sbackend.record(tag)
        time.sleep(0.5)
        after = sbackend.record(tag)
        assert before and after, "backend never saw the call"
        assert after["sent"] - before["sent"] <= 50, "backend kept sending while held: %d -> %d" % (
            before["sent"], after["sent"])
        rec = sbackend.wait_for(tag, lambda x: x["cancelled"] or x["status_code"] != -1, timeout=10)
        assert rec["cancelled"], "upstream call not cancelled within ~11 s of falling behind: %r" % rec
        elapsed = (rec["cancelled_at_ns"] - t_open) / 1e9
        assert 1.8 <= elapsed <= 6.0, "slow client dropped %.2fs after it stopped reading (slow_client_seconds 2)" % elapsed
        assert rec["sent"] <= count // 20, "backend sent %d of %d messages: not held back" % (rec["sent"], count)
        messages, close = r.read_until_close(30)
    finally:
        r.close_socket()
    got = [json.loads(d)["index"] for _, d in messages]
    assert got == list(range(1, len(got) + 1)), "messages lost or reordered before the close"
    assert close is not None, "connection ended without a close frame after %d messages" % len(got)
    assert close.close_code == 1008, close
    print("slow client: backend sent %d of %d, client got %d before close 1008" % (rec["sent"], count, len(got)))


def test_fast_client_not_closed_by_slow_timer(gw_slow, sbackend):
    count = 5000
    with ws(gw_slow, "/v1/ticks/%d?%s&tag=%s" % (count, BIG_TICKS, new_tag())) as c:
        messages, code, reason = ws_collect(c, 90, max_messages=count + 10)
    assert len(messages) == count and code == 1000, (len(messages), code, reason)


def test_held_back_client_vanishing_cancels(gw_patient, sbackend):
    tag = new_tag("bpgone")
    r = raw_open(gw_patient, "/v1/ticks/100000?%s&tag=%s" % (BIG_TICKS, tag), rcvbuf=4096)
    assert _sent_when_stable(sbackend, tag) is not None
    t0 = time.time_ns()
    r.abort()
    assert_cancelled_soon(sbackend, tag, t0, "held-back client reset")


# --------------------------------------------------------------------------------------------
# SIGTERM


def test_sigterm_closes_websockets_1001(darwaza, tmp_path, sbackend):
    g = start_stream_gateway(darwaza, tmp_path, sbackend.url)
    try:
        tags = [new_tag("term"), new_tag("term")]
        a = raw_open(g, "/v1/ticks/0?interval_ms=100&tag=%s" % tags[0])
        b = raw_open(g, "/v1/chat")
        b.send_text(json.dumps({"text": "hi", "tag": tags[1]}))
        assert json.loads(b.recv_message(10)[1])["note"] == "echo"
        assert a.recv_message(10)[0] == OP_TEXT
        t0 = time.monotonic()
        g.proc.send_signal(signal.SIGTERM)
        closes = []
        for r in (a, b):
            _, close = r.read_until_close(10)
            closes.append((close.close_code if close else None, time.monotonic() - t0))
            r.close_socket()
        assert [c for c, _ in closes] == [1001, 1001], closes
        assert all(t < 5 for _, t in closes), closes
        try:
            rc = g.proc.wait(20)
        except Exception:
            rc = None
        assert rc == 0, "exit status %r after SIGTERM\n%s" % (rc, g.stderr()[-2000:])
        for tag in tags:
            rec = sbackend.wait_for(tag, lambda x: x["cancelled"], 5)
            assert rec["cancelled"], rec
    finally:
        g.kill()
        g.cleanup()
