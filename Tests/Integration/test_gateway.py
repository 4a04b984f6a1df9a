"""Integration tests: the real darwaza binary between curl/http.client and a Python grpcio backend.

Run from the repository root:  python3 -m pytest -q Tests/Integration
(env DARWAZA_BIN overrides the binary, default .build/debug/darwaza).
"""

import base64
import json
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import (
    ECHO_DESCRIPTORS,
    SERVICE,
    curl,
    free_dead_port,
    http_request,
    raw_exchange,
    read_http_response,
    recv_all,
    run_darwaza,
    start_gateway,
    stop_gateway_checked,
    wait_until,
)
from echo_backend import EchoBackend

PKG = "darwaza.testing.echo"

# The gRPC code -> HTTP status table of INTERFACE.md.
HTTP_STATUS = {
    1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429,
    9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
}


# --------------------------------------------------------------------------------------------
# helpers


def request_of(reply):
    return reply.get("request", {})


def assert_echo(resp, expected_request, method="Echo"):
    """The gateway answered 200 with an EchoReply from `method` whose request equals
    `expected_request`, both as rendered by the gateway and by the backend's own JSON printer."""
    assert resp.status == 200, resp
    assert (resp.content_type or "").startswith("application/json"), resp
    reply = resp.json()
    assert reply["method"] == method, reply
    assert request_of(reply) == expected_request, reply
    assert json.loads(reply["requestJson"]) == expected_request, reply
    return reply


def assert_error(resp, status, code, message_contains=None, message=None):
    assert resp.status == status, resp
    assert (resp.content_type or "").split(";")[0].strip() == "application/json", resp
    body = resp.json()
    assert isinstance(body, dict), resp
    assert body.get("code") == code, resp
    assert isinstance(body.get("message"), str), resp
    if message is not None:
        assert body["message"] == message, resp
    if message_contains is not None:
        assert message_contains in body["message"], resp
    assert set(body) <= {"code", "message", "details"}, resp
    return body


def assert_alive(gw):
    """The gateway process still runs and still answers a normal request."""
    assert gw.alive(), "gateway died; stderr tail:\n" + gw.stderr()[-3000:]
    r = curl(gw.url + "/v1/echo/alive")
    assert_echo(r, {"id": "alive"})


def get(gw, path, **kw):
    return curl(gw.url + path, **kw)


def metadata_of(resp):
    assert resp.status == 200, resp
    return resp.json().get("metadata", {})


# --------------------------------------------------------------------------------------------
# query parameter binding


def test_query_scalars(gateway):
    r = get(
        gateway,
        "/v1/echo/abc?int32_value=-5&int64_value=-9223372036854775808"
        "&uint64_value=18446744073709551615&flag=true&ratio=-2.25&small=1.5"
        "&signed32=-7&fixed=18446744073709551615",
    )
    assert_echo(r, {
        "id": "abc",
        "int32Value": -5,
        "int64Value": "-9223372036854775808",
        "uint64Value": "18446744073709551615",
        "flag": True,
        "ratio": -2.25,
        "small": 1.5,
        "signed32": -7,
        "fixed": "18446744073709551615",
    })


def test_query_bool_false_and_zero_are_defaults(gateway):
    r = get(gateway, "/v1/echo/abc?flag=false&int32_value=0")
    assert_echo(r, {"id": "abc"})


def test_query_repeated(gateway):
    r = get(gateway, "/v1/echo/abc?tags=a&tags=b%20c&tags=d%26e&numbers=1&numbers=-2")
    assert_echo(r, {"id": "abc", "tags": ["a", "b c", "d&e"], "numbers": [1, -2]})


def test_query_nested(gateway):
    r = get(gateway, "/v1/echo/abc?nested.name=n1&nested.count=42")
    assert_echo(r, {"id": "abc", "nested": {"name": "n1", "count": "42"}})


def test_query_enums_by_name_and_number(gateway):
    r = get(gateway, "/v1/echo/abc?color=GREEN&colors=RED&colors=3")
    assert_echo(r, {"id": "abc", "color": "GREEN", "colors": ["RED", "BLUE"]})
    r = get(gateway, "/v1/echo/abc?color=2")
    assert_echo(r, {"id": "abc", "color": "GREEN"})


@pytest.mark.parametrize("encoded", ["%2B%2F%2B%2F", "-_-_"], ids=["base64", "base64url"])
def test_query_bytes(gateway, encoded):
    r = get(gateway, "/v1/echo/abc?blob=" + encoded)
    assert_echo(r, {"id": "abc", "blob": "+/+/"})


def test_query_bytes_padded(gateway):
    r = get(gateway, "/v1/echo/abc?blob=aGk%3D")
    assert_echo(r, {"id": "abc", "blob": "aGk="})


def test_query_well_known_types(gateway):
    r = get(
        gateway,
        "/v1/echo/abc?when=2024-01-02T03:04:05Z&ttl=1.5s&mask=int64Value,nested.name"
        "&maybe_int=0&maybe_bool=false&maybe_string=hi",
    )
    assert_echo(r, {
        "id": "abc",
        "when": "2024-01-02T03:04:05Z",
        "ttl": "1.500s",
        "mask": "int64Value,nested.name",
        "maybeInt": 0,
        "maybeBool": False,
        "maybeString": "hi",
    })


def test_query_timestamp_with_offset(gateway):
    r = get(gateway, "/v1/echo/abc?when=2024-01-02T05:04:05.5%2B02:00")
    assert_echo(r, {"id": "abc", "when": "2024-01-02T03:04:05.500Z"})


def test_query_map(gateway):
    r = get(gateway, "/v1/echo/abc?labels[env]=prod&labels%5Bteam%5D=core")
    assert_echo(r, {"id": "abc", "labels": {"env": "prod", "team": "core"}})


def test_query_accepts_json_names(gateway):
    # Not in the design notes, but grpc-gateway and Envoy both accept a field's JSON name.
    r = get(gateway, "/v1/echo/abc?int64Value=5&maybeBool=true")
    assert_echo(r, {"id": "abc", "int64Value": "5", "maybeBool": True})


def test_query_unknown_parameter(gateway):
    r = get(gateway, "/v1/echo/abc?bogus=1")
    assert_error(r, 400, 3, message_contains="unknown query parameter bogus")
    r = get(gateway, "/v1/echo/abc?nested.bogus=1")
    assert_error(r, 400, 3, message_contains="unknown query parameter nested.bogus")
    assert_alive(gateway)


def test_query_non_repeated_twice(gateway):
    r = get(gateway, "/v1/echo/abc?int32_value=1&int32_value=2")
    assert_error(r, 400, 3)
    assert_alive(gateway)


def test_query_access_token_ignored(gateway):
    r = get(gateway, "/v1/echo/abc?access_token=secret")
    assert_echo(r, {"id": "abc"})


@pytest.mark.parametrize(
    "query",
    [
        "int32_value=abc",
        "int32_value=2147483648",
        "uint64_value=-1",
        "flag=yes",
        "color=PURPLE",
        "when=yesterday",
        "ttl=5minutes",
        "nested=x",
    ],
)
def test_query_bad_values(gateway, query):
    r = get(gateway, "/v1/echo/abc?" + query)
    assert_error(r, 400, 3)
    assert_alive(gateway)


# --------------------------------------------------------------------------------------------
# body mapping


def test_body_star(gateway):
    body = {
        "id": "b",
        "int32Value": 3,
        "nested": {"name": "x", "count": "9"},
        "tags": ["p", "q"],
        "labels": {"a": "b"},
        "color": "BLUE",
        "anyJson": {"k": [1, "two", None, True]},
        "when": "2020-02-29T12:00:00Z",
    }
    r = curl(gateway.url + "/v1/echo", json_body=body)
    assert_echo(r, body)


def test_body_star_accepts_proto_names(gateway):
    r = curl(gateway.url + "/v1/echo", json_body={"int32_value": 3, "maybe_bool": True})
    assert_echo(r, {"int32Value": 3, "maybeBool": True})


def test_path_wins_over_body(gateway):
    r = curl(gateway.url + "/v1/echo/fromPath", json_body={"id": "fromBody", "int32Value": 3})
    assert_echo(r, {"id": "fromPath", "int32Value": 3})


def test_nested_path_variable_wins_over_body(gateway):
    r = curl(
        gateway.url + "/v1/echo/abc/nested/fromPath",
        method="PATCH",
        json_body={"nested": {"name": "fromBody", "count": 3}, "flag": True},
    )
    assert_echo(r, {"id": "abc", "nested": {"name": "fromPath", "count": "3"}, "flag": True})


def test_body_field(gateway):
    r = curl(
        gateway.url + "/v1/echo/abc:nested?int32_value=4",
        method="PUT",
        json_body={"name": "n", "count": "12"},
    )
    assert_echo(r, {"id": "abc", "int32Value": 4, "nested": {"name": "n", "count": "12"}})


def test_no_body_route_rejects_a_body(gateway):
    r = curl(gateway.url + "/v1/echo/abc", method="GET", json_body={"id": "x"})
    assert_error(r, 400, 3)
    r = curl(gateway.url + "/v1/echo/abc", method="DELETE", json_body={"id": "x"})
    assert_error(r, 400, 3)
    r = curl(gateway.url + "/v1/echo/abc", method="DELETE")
    assert_echo(r, {"id": "abc"})
    assert_alive(gateway)


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/merge-patch+json", "Application/JSON"],
)
def test_json_content_types_accepted(gateway, content_type):
    r = curl(gateway.url + "/v1/echo", headers=[("Content-Type", content_type)], data='{"id":"ct"}')
    assert_echo(r, {"id": "ct"})


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_unsupported_content_type_415(gateway, content_type):
    r = curl(gateway.url + "/v1/echo", headers=[("Content-Type", content_type)], data='{"id":"ct"}')
    assert r.status == 415, r
    assert (r.content_type or "").startswith("application/json"), r
    body = r.json()
    assert isinstance(body.get("code"), int) and isinstance(body.get("message"), str), r
    assert_alive(gateway)


# --------------------------------------------------------------------------------------------
# bad JSON bodies


def post_raw_json(gw, path, data):
    return curl(gw.url + path, headers=[("Content-Type", "application/json")], data=data)


@pytest.mark.parametrize(
    "data",
    ['{"id":', '{"id" "x"}', "[1,2]", "nope", '{"id":"x"} trailing', '{"id":"x",}'],
    ids=["truncated", "no-colon", "array", "bare-word", "trailing-garbage", "trailing-comma"],
)
def test_malformed_json_400(gateway, data):
    r = post_raw_json(gateway, "/v1/echo", data)
    assert_error(r, 400, 3)
    assert_alive(gateway)


@pytest.mark.parametrize(
    "data,path",
    [
        ('{"id": 5}', "id"),
        ('{"nested": {"count": true}}', "nested.count"),
        ('{"nested": 5}', "nested"),
        ('{"tags": "x"}', "tags"),
        ('{"int32Value": 1.5}', "int32Value"),
        ('{"color": "PURPLE"}', "color"),
        ('{"when": "yesterday"}', "when"),
    ],
)
def test_wrong_type_names_json_path(gateway, data, path):
    r = post_raw_json(gateway, "/v1/echo", data)
    assert_error(r, 400, 3, message_contains=path)
    assert_alive(gateway)


def test_unknown_json_field_names_path(gateway):
    r = post_raw_json(gateway, "/v1/echo", '{"nested": {"bogus": 1}}')
    assert_error(r, 400, 3, message_contains="nested.bogus")
    r = post_raw_json(gateway, "/v1/echo", '{"bogusTop": 1}')
    assert_error(r, 400, 3, message_contains="bogusTop")
    assert_alive(gateway)


def test_invalid_utf8_400(gateway):
    r = curl(gateway.url + "/v1/echo", headers=[("Content-Type", "application/json")], data=b'{"id":"\xff\xfe"}')
    assert_error(r, 400, 3)
    assert_alive(gateway)


def nested_arrays(depth):
    return "[" * depth + "1" + "]" * depth


def test_json_depth_limit(gateway):
    r = post_raw_json(gateway, "/v1/echo", '{"anyJson": %s}' % nested_arrays(150))
    assert_error(r, 400, 3)
    # Moderate nesting is fine.
    r = post_raw_json(gateway, "/v1/echo", '{"anyJson": %s}' % nested_arrays(30))
    assert_echo(r, {"anyJson": json.loads(nested_arrays(30))})
    assert_alive(gateway)


# --------------------------------------------------------------------------------------------
# paths, routing


def test_single_segment_variable_fully_decoded(gateway):
    r = get(gateway, "/v1/echo/a%2Fb%20c%3F%25")
    assert_echo(r, {"id": "a/b c?%"})


def test_multi_segment_variable_keeps_encoded_slash(gateway):
    r = get(gateway, "/v1/files/dir%2Fsub/x%20y.txt")
    assert_echo(r, {"path": "dir%2Fsub/x y.txt"}, method="EchoPath")
    r = get(gateway, "/v1/files/a/b/c")
    assert_echo(r, {"path": "a/b/c"}, method="EchoPath")


def test_prefixed_multi_segment_variable(gateway):
    r = get(gateway, "/v1/shelves/s%20a/books")
    assert_echo(r, {"id": "shelves/s a"})
    r = get(gateway, "/v1/shelves/a%2Fb/books")
    assert_echo(r, {"id": "shelves/a%2Fb"})


def test_precedence_literal_star_doublestar(gateway):
    assert_echo(get(gateway, "/v1/files/readme"), {}, method="Echo")
    assert_echo(get(gateway, "/v1/files/x/info"), {"id": "x"}, method="Echo")
    assert_echo(get(gateway, "/v1/files/readme2"), {"path": "readme2"}, method="EchoPath")
    assert_echo(get(gateway, "/v1/files/x/info/more"), {"path": "x/info/more"}, method="EchoPath")


def test_verb_route_before_plain(gateway):
    r = curl(gateway.url + "/v1/echo/abc:verb", json_body={"flag": True})
    assert_echo(r, {"id": "abc", "flag": True}, method="Verb")
    r = curl(gateway.url + "/v1/echo/abc", json_body={"flag": True})
    assert_echo(r, {"id": "abc", "flag": True}, method="Echo")


def test_custom_method(gateway):
    r = curl(gateway.url + "/v1/echo?id=s&int32_value=2", method="SEARCH")
    assert_echo(r, {"id": "s", "int32Value": 2})


def test_default_route_without_annotation(gateway):
    r = curl(gateway.url + "/%s/Plain" % SERVICE, json_body={"id": "p"})
    assert_echo(r, {"id": "p"}, method="Plain")


@pytest.mark.parametrize("path", ["/v2/nothing", "/v1/echo/a/b", "/", "/v1/echox"])
def test_unknown_path_404(gateway, path):
    r = get(gateway, path)
    assert_error(r, 404, 5)


def test_known_path_other_method_405(gateway):
    r = get(gateway, "/v1/echo")
    assert_error(r, 405, 12)
    assert r.header("allow") == "POST, SEARCH", r
    r = curl(gateway.url + "/v1/echo/abc", method="PUT", json_body={})
    assert_error(r, 405, 12)
    assert r.header("allow") == "DELETE, GET, POST", r
    assert_alive(gateway)


# --------------------------------------------------------------------------------------------
# backend errors


@pytest.mark.parametrize("code", list(range(1, 17)))
def test_grpc_code_to_http_status(gateway, code):
    r = curl(gateway.url + "/v1/fail", json_body={"code": code, "message": "failure %d" % code})
    body = assert_error(r, HTTP_STATUS[code], code, message="failure %d" % code)
    assert body.get("details", []) == [], r


def test_error_details(gateway):
    r = curl(gateway.url + "/v1/fail", json_body={"code": 7, "message": "denied", "details": True})
    body = assert_error(r, 403, 7, message="denied")
    assert body["details"] == [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "TEST_REASON",
            "domain": "darwaza.test",
            "metadata": {"k": "v"},
        },
        {"@type": "type.googleapis.com/%s.Nested" % PKG, "name": "n", "count": "5"},
        {"@type": "type.googleapis.com/example.Unknown", "value": base64.b64encode(b"\x08\x01").decode()},
    ], r


def test_error_message_non_ascii(gateway):
    message = "bad \u00fcn\u00efcode % 100 \u2603"
    r = curl(gateway.url + "/v1/fail", json_body={"code": 3, "message": message})
    assert_error(r, 400, 3, message=message)


def test_backend_unavailable_503(darwaza, echo_descriptors):
    gw = start_gateway(darwaza, [
        "--descriptor-set", echo_descriptors,
        "--upstream", "%s=http://127.0.0.1:%d" % (SERVICE, free_dead_port()),
        "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    try:
        r = curl(gw.url + "/v1/echo/x")
        assert_error(r, 503, 14)
        assert gw.alive()
    finally:
        stop_gateway_checked(gw)


# --------------------------------------------------------------------------------------------
# metadata


def test_metadata_to_backend(gateway):
    host, port = gateway.host_port
    r = http_request(host, port, "GET", "/v1/echo/md", headers=[
        ("Authorization", "Bearer tok"),
        ("Grpc-Metadata-Foo", "bar"),
        ("X-Request-Id", "rid-1"),
        ("x-custom-forward", "cf"),
        ("X-Not-Forwarded", "no"),
        ("Grpc-Metadata-Grpc-Evil", "x"),
        ("Grpc-Metadata-Connection", "x"),
        ("Grpc-Metadata-Transfer-Encoding", "x"),
        ("Keep-Alive", "timeout=5"),
        ("Proxy-Authorization", "Basic eA=="),
        ("Proxy-Connection", "keep-alive"),
        ("TE", "trailers"),
        ("Connection", "keep-alive"),
    ])
    md = metadata_of(r)
    assert md.get("authorization") == "Bearer tok", md
    assert md.get("foo") == "bar", md
    assert md.get("x-request-id") == "rid-1", md
    assert md.get("x-custom-forward") == "cf", md
    assert md.get("x-forwarded-for") == "127.0.0.1", md
    assert md.get("x-forwarded-host") == gateway.authority, md
    assert md.get("x-forwarded-proto") == "http", md
    for absent in ["x-not-forwarded", "grpc-evil", "evil", "connection", "transfer-encoding", "keep-alive",
                   "proxy-authorization", "proxy-connection", "te", "upgrade", "grpc-metadata-foo"]:
        assert absent not in md, (absent, md)


def test_metadata_repeated_values(gateway):
    r = curl(gateway.url + "/v1/echo/md", headers=["Grpc-Metadata-Multi: a", "Grpc-Metadata-Multi: b"])
    assert metadata_of(r).get("multi") == "a, b", r


def test_x_forwarded_for_appends_and_host(gateway):
    r = curl(gateway.url + "/v1/echo/md", headers=["X-Forwarded-For: 203.0.113.7", "Host: api.example.test"])
    md = metadata_of(r)
    assert md.get("x-forwarded-for") == "203.0.113.7, 127.0.0.1", md
    assert md.get("x-forwarded-host") == "api.example.test", md
    assert md.get("x-forwarded-proto") == "http", md


def test_backend_metadata_to_response_headers(gateway):
    r = get(gateway, "/v1/echo/md")
    assert r.status == 200, r
    assert r.header("grpc-metadata-x-backend") == "b1", r
    assert r.header("grpc-trailer-x-trailer") == "t", r


def test_backend_metadata_on_error(gateway):
    r = curl(gateway.url + "/v1/fail", json_body={"code": 5, "message": "gone"})
    assert_error(r, 404, 5, message="gone")
    assert r.header("grpc-metadata-x-backend") == "b1", r
    assert r.header("grpc-trailer-x-trailer") == "t", r


# --------------------------------------------------------------------------------------------
# deadlines and cancellation


def test_grpc_timeout_header_504(gateway):
    start = time.monotonic()
    r = curl(gateway.url + "/v1/slow/3000", headers=["Grpc-Timeout: 200m"])
    elapsed = time.monotonic() - start
    assert_error(r, 504, 4)
    assert elapsed < 2.0, elapsed
    assert_alive(gateway)


def test_deadline_propagated_to_backend(gateway):
    r = curl(gateway.url + "/v1/slow/0", headers=["Grpc-Timeout: 5S"])
    assert r.status == 200, r
    remaining = r.json().get("deadlineSeconds")
    assert remaining is not None and 0 < remaining <= 5.0, r
    # Default per-service timeout: 15 s.
    r = get(gateway, "/v1/slow/0")
    assert r.status == 200, r
    remaining = r.json().get("deadlineSeconds")
    assert remaining is not None and 10.0 < remaining <= 15.0, r


def test_slow_within_deadline_ok(gateway):
    r = curl(gateway.url + "/v1/slow/100", headers=["Grpc-Timeout: 5S"])
    assert r.status == 200, r
    assert int(r.json()["sleptMillis"]) >= 100, r


def test_client_disconnect_cancels_backend_call(gateway, backend):
    calls_before, cancelled_before = backend.stats()
    host, port = gateway.host_port
    sock = socket.create_connection((host, port), timeout=5)
    sock.sendall(b"GET /v1/slow/5000 HTTP/1.1\r\nHost: x\r\n\r\n")
    # Wait until the backend has the call.
    assert wait_until(lambda: backend.stats()[0] > calls_before, timeout=3.0), "call never reached the backend"
    time.sleep(0.2)
    sock.close()
    closed_at = time.monotonic()
    ok = wait_until(lambda: backend.stats()[1] > cancelled_before, timeout=1.0, interval=0.02)
    assert ok, "backend saw no cancellation within 1 s of the client disconnecting"
    assert time.monotonic() - closed_at <= 1.1
    # The Stats method reports it too.
    r = get(gateway, "/v1/stats")
    assert r.status == 200, r
    assert int(r.json().get("cancelled", "0")) > cancelled_before, r


def test_client_disconnect_h2_cancels_backend_call(gateway, backend):
    _, cancelled_before = backend.stats()
    r = curl(gateway.url + "/v1/slow/5000", http2=True, timeout=0.7, check=False)
    assert r.curl_rc == 28, r  # curl's own timeout
    ok = wait_until(lambda: backend.stats()[1] > cancelled_before, timeout=1.0, interval=0.02)
    assert ok, "backend saw no cancellation within 1 s of the h2 client going away"


# --------------------------------------------------------------------------------------------
# HttpBody and response_body


def test_http_body_both_ways(gateway):
    r = curl(gateway.url + "/v1/raw", headers=["Content-Type: text/csv"], data=b"a,b\n1,2\n")
    assert r.status == 200, r
    assert r.content_type == "text/x-echo", r
    assert r.body == b"[text/csv]a,b\n1,2\n", r


def test_http_body_binary(gateway):
    payload = bytes(range(256)) * 4
    r = curl(gateway.url + "/v1/raw", headers=["Content-Type: application/octet-stream"], data=payload)
    assert r.status == 200, r
    assert r.content_type == "text/x-echo", r
    assert r.body == b"[application/octet-stream]" + payload, r


def test_http_body_content_type_with_parameters(gateway):
    r = curl(gateway.url + "/v1/raw", headers=["Content-Type: text/plain; charset=latin-1"], data=b"x")
    assert r.status == 200, r
    assert r.body == b"[text/plain; charset=latin-1]x", r


def test_response_body_field(gateway):
    r = get(gateway, "/v1/only/abc?int32_value=3&tags=t")
    assert r.status == 200, r
    assert (r.content_type or "").startswith("application/json"), r
    assert r.json() == {"id": "abc", "int32Value": 3, "tags": ["t"]}, r


# --------------------------------------------------------------------------------------------
# server streaming


def without_empty_details(value):
    """A status with `"details": []` equals one without details (the key is optional)."""
    if isinstance(value, dict):
        if value.get("details") == [] and "code" in value:
            value = {k: v for k, v in value.items() if k != "details"}
        return {k: without_empty_details(v) for k, v in value.items()}
    return value


def ndjson_lines(resp):
    text = resp.body.decode("utf-8")
    assert text.endswith("\n"), resp
    return [without_empty_details(json.loads(line)) for line in text.split("\n") if line.strip()]


def sse_events(resp):
    """Parses an SSE body into (event, data-json) pairs."""
    text = resp.body.decode("utf-8").replace("\r\n", "\n")
    assert text.endswith("\n\n"), resp
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        event, data = "message", []
        for line in block.split("\n"):
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
        events.append((event, without_empty_details(json.loads("\n".join(data)))))
    return events


ITEMS3 = [{"i": 1, "text": "item 1"}, {"i": 2, "text": "item 2"}, {"i": 3, "text": "item 3"}]


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2c"])
def test_ndjson_stream_ok(gateway, http2):
    r = get(gateway, "/v1/count/3", http2=http2)
    assert r.status == 200, r
    assert r.content_type.split(";")[0] == "application/x-ndjson", r
    assert ndjson_lines(r) == ITEMS3


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2c"])
def test_ndjson_stream_error(gateway, http2):
    r = get(gateway, "/v1/count/5?fail_at=3&fail_code=9&fail_message=boom", http2=http2)
    assert r.status == 200, r
    assert r.content_type.split(";")[0] == "application/x-ndjson", r
    assert ndjson_lines(r) == ITEMS3[:2] + [{"error": {"code": 9, "message": "boom"}}]


def test_sse_stream_ok(gateway):
    r = get(gateway, "/v1/count/3", headers=["Accept: text/event-stream"])
    assert r.status == 200, r
    assert r.content_type.split(";")[0] == "text/event-stream", r
    assert sse_events(r) == [("message", item) for item in ITEMS3]


def test_sse_stream_error(gateway):
    r = get(gateway, "/v1/count/5?fail_at=3&fail_code=10&fail_message=conflict",
            headers=["Accept: text/event-stream"])
    assert r.status == 200, r
    assert r.content_type.split(";")[0] == "text/event-stream", r
    assert sse_events(r) == [("message", item) for item in ITEMS3[:2]] + [
        ("error", {"code": 10, "message": "conflict"})
    ]


def test_stream_is_not_buffered(gateway):
    """The first message reaches the client before the backend has produced the rest."""
    cmd = ["curl", "-sS", "-N", "--http1.1", "--max-time", "20", gateway.url + "/v1/count/3?delay_millis=700"]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = proc.stdout.readline()
        first_at = time.monotonic() - start
        rest = proc.stdout.read()
        total = time.monotonic() - start
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert json.loads(first) == ITEMS3[0]
    assert first_at < 0.6, first_at
    assert total >= 1.3, total
    assert [json.loads(l) for l in rest.decode().split("\n") if l.strip()] == ITEMS3[1:]


def test_stream_client_disconnect_cancels_backend(gateway, backend):
    _, cancelled_before = backend.stats()
    r = curl(gateway.url + "/v1/count/20?delay_millis=300", timeout=1, check=False)
    assert r.curl_rc == 28, r
    ok = wait_until(lambda: backend.stats()[1] > cancelled_before, timeout=1.0, interval=0.02)
    assert ok, "backend stream not cancelled within 1 s of the client going away"


# --------------------------------------------------------------------------------------------
# limits and robustness


def send_with_body(host, port, head, body, timeout=15, check_close=True):
    """Sends `head` then `body` from a thread (tolerating the server closing early) and reads
    one response on the main thread."""
    sock = socket.create_connection((host, port), timeout=timeout)
    errors = []

    def sender():
        try:
            sock.sendall(head)
            view = memoryview(body)
            for off in range(0, len(view), 65536):
                sock.sendall(view[off:off + 65536])
        except OSError as e:  # server closed early: fine
            errors.append(e)

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    try:
        resp = read_http_response(sock, timeout=timeout)
        if not check_close:
            return resp, b"", None
        # After a 413 the gateway closes the connection.
        rest = recv_all(sock, timeout=3)
        closed = True
        try:
            sock.settimeout(0.5)
            closed = sock.recv(1) == b""
        except socket.timeout:
            closed = False
        except OSError:
            closed = True
        return resp, rest, closed
    finally:
        t.join(5)
        sock.close()


def test_body_too_large_413(gateway):
    host, port = gateway.host_port
    body = b'{"id":"' + b"a" * 4194400 + b'"}'
    head = (
        "POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    ).encode()
    resp, rest, closed = send_with_body(host, port, head, body)
    assert resp.status == 413, resp
    assert isinstance(resp.json().get("code"), int), resp
    assert closed, "connection not closed after 413"
    assert_alive(gateway)


def test_chunked_body_too_large_413(gateway):
    host, port = gateway.host_port
    chunk = b"a" * 65536
    body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(70)) + b"0\r\n\r\n"
    head = b"POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    resp, rest, closed = send_with_body(host, port, head, body)
    assert resp.status == 413, resp
    assert closed, "connection not closed after 413"
    assert_alive(gateway)


def test_chunked_body_ok(gateway):
    host, port = gateway.host_port
    payload = b'{"id":"chunky","tags":["a","b"]}'
    body = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (10, payload[:10], len(payload) - 10, payload[10:])
    head = b"POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    resp, _, _ = send_with_body(host, port, head, body, check_close=False)
    assert_echo(resp, {"id": "chunky", "tags": ["a", "b"]})


def test_uri_too_long_414(gateway):
    r = get(gateway, "/v1/echo/abc?tags=" + "a" * 9000)
    assert r.status == 414, r
    assert isinstance(r.json().get("code"), int), r
    assert_alive(gateway)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /v1/echo/x HTTP/1.1\r\nHost x\r\nno colon here\r\n\r\n",
        b"GET /v1/echo/x HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xff" * 64,
        b"\x00" * 1024,
    ],
    ids=["tls-hello", "word", "bad-version", "bad-header", "negative-length", "broken-h2", "zeros"],
)
def test_garbage_on_raw_socket(gateway, garbage):
    data = raw_exchange(gateway, garbage, timeout=3)
    if data.startswith(b"HTTP/1."):
        status = int(data.split(b" ", 2)[1])
        assert 400 <= status < 600, data
    assert_alive(gateway)


def test_half_request_then_close(gateway):
    host, port = gateway.host_port
    for _ in range(5):
        sock = socket.create_connection((host, port), timeout=5)
        sock.sendall(b"POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"id\"")
        sock.close()
    assert_alive(gateway)


def test_keep_alive_several_requests(gateway):
    import http.client

    host, port = gateway.host_port
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        for i in range(3):
            conn.request("GET", "/v1/echo/k%d" % i)
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == 200, body
            assert json.loads(body)["request"] == {"id": "k%d" % i}
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# h2c


def test_h2c_unary(gateway):
    r = get(gateway, "/v1/echo/h2?int64_value=7", http2=True)
    assert r.http_version == "2", r
    assert_echo(r, {"id": "h2", "int64Value": "7"})
    assert r.header("grpc-metadata-x-backend") == "b1", r
    md = r.json()["metadata"]
    assert md.get("x-forwarded-host") == gateway.authority, md
    assert md.get("x-forwarded-proto") == "http", md


def test_h2c_post_body(gateway):
    r = curl(gateway.url + "/v1/echo/h2", json_body={"tags": ["x"]}, http2=True)
    assert r.http_version == "2", r
    assert_echo(r, {"id": "h2", "tags": ["x"]})


def test_h2c_errors(gateway):
    r = get(gateway, "/v2/nothing", http2=True)
    assert r.http_version == "2", r
    assert_error(r, 404, 5)
    r = get(gateway, "/v1/echo", http2=True)
    assert_error(r, 405, 12)
    assert r.header("allow") == "POST, SEARCH", r
    r = curl(gateway.url + "/v1/fail", json_body={"code": 7, "message": "denied", "details": True}, http2=True)
    body = assert_error(r, 403, 7, message="denied")
    assert [d["@type"] for d in body["details"]] == [
        "type.googleapis.com/google.rpc.ErrorInfo",
        "type.googleapis.com/%s.Nested" % PKG,
        "type.googleapis.com/example.Unknown",
    ], r


def test_h2c_http_body(gateway):
    r = curl(gateway.url + "/v1/raw", headers=["Content-Type: text/csv"], data=b"x,y", http2=True)
    assert r.http_version == "2", r
    assert r.status == 200 and r.content_type == "text/x-echo" and r.body == b"[text/csv]x,y", r


def test_h2c_sse(gateway):
    r = get(gateway, "/v1/count/3", headers=["Accept: text/event-stream"], http2=True)
    assert r.http_version == "2", r
    assert sse_events(r) == [("message", item) for item in ITEMS3]


# --------------------------------------------------------------------------------------------
# load balancing


@pytest.fixture(scope="module")
def two_backends(echo_descriptors):
    a = EchoBackend("rr-a", echo_descriptors)
    b = EchoBackend("rr-b", echo_descriptors)
    a.start()
    b.start()
    yield a, b
    a.stop()
    b.stop()


def test_round_robin_two_backends(darwaza, echo_descriptors, two_backends):
    a, b = two_backends
    gw = start_gateway(darwaza, [
        "--descriptor-set", echo_descriptors,
        "--upstream", "%s=%s,%s" % (SERVICE, a.url, b.url),
        "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    try:
        seen = []
        for i in range(8):
            r = get(gw, "/v1/echo/rr%d" % i)
            assert r.status == 200, r
            seen.append(r.header("grpc-metadata-x-backend"))
            assert r.json()["backend"] == seen[-1], r
        assert set(seen) == {"rr-a", "rr-b"}, seen
        assert all(seen[i] != seen[i + 1] for i in range(len(seen) - 1)), seen
    finally:
        stop_gateway_checked(gw)


def test_round_robin_one_keep_alive_connection(darwaza, echo_descriptors, two_backends):
    import http.client

    a, b = two_backends
    gw = start_gateway(darwaza, [
        "--descriptor-set", echo_descriptors,
        "--upstream", "%s=%s,%s" % (SERVICE, a.url, b.url),
        "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    try:
        host, port = gw.host_port
        conn = http.client.HTTPConnection(host, port, timeout=10)
        seen = []
        for i in range(6):
            conn.request("GET", "/v1/echo/ka%d" % i)
            resp = conn.getresponse()
            seen.append(json.loads(resp.read())["backend"])
        conn.close()
        assert set(seen) == {"rr-a", "rr-b"}, seen
        assert all(seen[i] != seen[i + 1] for i in range(len(seen) - 1)), seen
    finally:
        stop_gateway_checked(gw)


def test_round_robin_skips_dead_endpoint(darwaza, echo_descriptors, two_backends):
    a, b = two_backends
    dead = "http://127.0.0.1:%d" % free_dead_port()
    gw = start_gateway(darwaza, [
        "--descriptor-set", echo_descriptors,
        "--upstream", "%s=%s,%s,%s" % (SERVICE, a.url, dead, b.url),
        "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    try:
        seen = []
        for i in range(9):
            r = get(gw, "/v1/echo/rr%d" % i)
            assert r.status == 200, r
            seen.append(r.json()["backend"])
        assert seen.count("rr-a") >= 2 and seen.count("rr-b") >= 2, seen
    finally:
        stop_gateway_checked(gw)


# --------------------------------------------------------------------------------------------
# admin


def test_admin_health_ready(gateway):
    assert curl(gateway.admin_url + "/healthz").status == 200
    assert curl(gateway.admin_url + "/readyz").status == 200


def test_admin_metrics(gateway):
    get(gateway, "/v1/echo/metrics")
    r = curl(gateway.admin_url + "/metrics")
    assert r.status == 200, r
    assert (r.content_type or "").startswith("text/plain"), r
    assert "darwaza_http_requests_total" in r.text, r


def test_admin_routes(gateway):
    r = curl(gateway.admin_url + "/routes")
    assert r.status == 200, r
    assert (r.content_type or "").startswith("application/json"), r
    routes = r.json()
    assert isinstance(routes, list) and routes, r
    keys = {"http_method", "path_template", "grpc_method", "body", "response_body", "streaming",
            "client_streaming", "server_streaming"}
    for route in routes:
        assert keys <= set(route), route
        assert isinstance(route["streaming"], bool), route
    by_key = {(x["http_method"], x["path_template"]): x for x in routes}
    for key in [
        ("GET", "/v1/echo/{id}"), ("POST", "/v1/echo"), ("POST", "/v1/echo/{id}"), ("DELETE", "/v1/echo/{id}"),
        ("PUT", "/v1/echo/{id}:nested"), ("SEARCH", "/v1/echo"), ("GET", "/v1/files/{path=**}"),
        ("POST", "/v1/echo/{id}:verb"), ("GET", "/v1/only/{id}"), ("GET", "/v1/count/{n}"),
        ("POST", "/%s/Plain" % SERVICE),
    ]:
        assert key in by_key, (key, sorted(by_key))
    echo = by_key[("GET", "/v1/echo/{id}")]
    assert "Echo" in echo["grpc_method"] and "EchoService" in echo["grpc_method"], echo
    assert echo["streaming"] is False and echo["server_streaming"] is False, echo
    assert by_key[("PUT", "/v1/echo/{id}:nested")]["body"] == "nested"
    assert by_key[("POST", "/v1/echo")]["body"] == "*"
    assert by_key[("GET", "/v1/only/{id}")]["response_body"] == "request"
    count = by_key[("GET", "/v1/count/{n}")]
    assert count["streaming"] is True and count["server_streaming"] is True, count
    assert count["client_streaming"] is False, count


def test_admin_unknown_path_404(gateway):
    assert curl(gateway.admin_url + "/nope").status == 404


# --------------------------------------------------------------------------------------------
# config file


RULES_YAML = """\
http:
  rules:
    - selector: darwaza.testing.echo.EchoService.Plain
      get: /v1/plain/{id}
"""


def write_config_dir(tmp_path, backend_url, extra=""):
    d = tmp_path / "conf"
    (d / "desc").mkdir(parents=True)
    with open(ECHO_DESCRIPTORS, "rb") as src:
        (d / "desc" / "echo.binpb").write_bytes(src.read())
    (d / "rules.yaml").write_text(RULES_YAML)
    (d / "darwaza.yaml").write_text(
        """\
listen: 127.0.0.1:0
admin: 127.0.0.1:0
descriptor_sets:
  - desc/echo.binpb
http_rules:
  - rules.yaml
upstreams:
  darwaza.testing.echo.EchoService:
    - %s
timeouts:
  "*": 30
  darwaza.testing.echo.EchoService: 1
forward_headers: [x-from-config]
json:
  ignore_unknown_query_parameters: true
method_json:
  darwaza.testing.echo.EchoService.Stats:
    emit_unpopulated: true
  darwaza.testing.echo.EchoService.Only:
    use_proto_names: true
    enums_as_numbers: true
  darwaza.testing.echo.EchoService.Verb:
    ignore_unknown_fields: true
limits:
  max_body_bytes: 2048
  max_path_bytes: 512
  max_json_depth: 10
%s"""
        % (backend_url, extra)
    )
    return d


@pytest.fixture(scope="module")
def config_gateway(darwaza, echo_descriptors, tmp_path_factory):
    b = EchoBackend("cfg", echo_descriptors)
    b.start()
    d = write_config_dir(tmp_path_factory.mktemp("config-gateway"), b.url)
    # Started from another directory: relative paths resolve against the config file.
    gw = start_gateway(darwaza, ["--config", str(d / "darwaza.yaml")], cwd="/")
    yield gw
    try:
        stop_gateway_checked(gw)
    finally:
        b.stop()


def test_config_rules_file_binding(config_gateway):
    r = get(config_gateway, "/v1/plain/p1")
    assert_echo(r, {"id": "p1"}, method="Plain")


def test_config_service_timeout(config_gateway):
    start = time.monotonic()
    r = get(config_gateway, "/v1/slow/4000")
    elapsed = time.monotonic() - start
    assert_error(r, 504, 4)
    assert 0.8 <= elapsed < 3.0, elapsed
    # A client Grpc-Timeout larger than the configured one does not extend it.
    start = time.monotonic()
    r = get(config_gateway, "/v1/slow/4000", headers=["Grpc-Timeout: 10S"])
    assert_error(r, 504, 4)
    assert time.monotonic() - start < 3.0


def test_config_forward_headers(config_gateway):
    r = get(config_gateway, "/v1/echo/x", headers=["X-From-Config: yes", "X-Request-Id: not-configured-here"])
    md = metadata_of(r)
    assert md.get("x-from-config") == "yes", md
    assert "x-request-id" not in md, md


def test_config_ignore_unknown_query_parameters(config_gateway):
    r = get(config_gateway, "/v1/echo/x?bogus=1&int32_value=2")
    assert_echo(r, {"id": "x", "int32Value": 2})


def test_config_method_json_emit_unpopulated(config_gateway):
    r = get(config_gateway, "/v1/stats")
    assert r.status == 200, r
    body = r.json()
    assert body["note"] == "" and body["emptyList"] == [] and body["emptyMap"] == {}, body
    assert body["flag"] is False and body["color"] == "COLOR_UNSPECIFIED", body
    assert isinstance(body["cancelled"], str) and body["cancelled"].isdigit(), body  # int64: a JSON string
    # Other methods keep the default (no unpopulated fields).
    r = get(config_gateway, "/v1/echo/x")
    assert "tags" not in r.json()["request"], r


def test_config_method_json_proto_names_enum_numbers(config_gateway):
    r = get(config_gateway, "/v1/only/x?int32_value=3&color=BLUE&maybe_bool=true")
    assert r.status == 200, r
    assert r.json() == {"id": "x", "int32_value": 3, "color": 3, "maybe_bool": True}, r


def test_config_method_json_ignore_unknown_fields(config_gateway):
    r = curl(config_gateway.url + "/v1/echo/x:verb", json_body={"flag": True, "bogus": 1})
    assert_echo(r, {"id": "x", "flag": True}, method="Verb")
    r = curl(config_gateway.url + "/v1/echo/x", json_body={"flag": True, "bogus": 1})
    assert_error(r, 400, 3, message_contains="bogus")


def test_config_max_body_bytes(config_gateway):
    host, port = config_gateway.host_port
    prefix, suffix = b'{"id":"', b'"}'
    ok_body = prefix + b"a" * (2048 - len(prefix) - len(suffix)) + suffix
    assert len(ok_body) == 2048
    r = http_request(host, port, "POST", "/v1/echo", headers=[("Content-Type", "application/json")], body=ok_body)
    assert r.status == 200, r
    big = prefix + b"a" * (2049 - len(prefix) - len(suffix)) + suffix
    head = (
        "POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(big)
    ).encode()
    resp, _, closed = send_with_body(host, port, head, big)
    assert resp.status == 413, resp
    assert closed
    assert_alive(config_gateway)


def test_config_max_path_bytes(config_gateway):
    r = get(config_gateway, "/v1/echo/x?tags=" + "a" * 400)
    assert r.status == 200, r
    r = get(config_gateway, "/v1/echo/x?tags=" + "a" * 600)
    assert r.status == 414, r
    assert_alive(config_gateway)


def test_config_max_json_depth_rejects_deep_request(config_gateway):
    r = curl(config_gateway.url + "/v1/echo", headers=["Content-Type: application/json"],
             data='{"anyJson": %s}' % nested_arrays(20))
    assert_error(r, 400, 3)
    assert_alive(config_gateway)


def test_config_max_json_depth_allows_shallow_round_trip(config_gateway):
    # Request JSON nests 6 levels; the reply JSON ({reply: {request: {anyJson: 5 arrays}}}) nests 7.
    # Both are within max_json_depth 10.
    r = curl(config_gateway.url + "/v1/echo", headers=["Content-Type: application/json"],
             data='{"anyJson": %s}' % nested_arrays(5))
    assert_echo(r, {"anyJson": json.loads(nested_arrays(5))})


# --------------------------------------------------------------------------------------------
# bad start-up input: exit 2 with a one-line reason


def assert_exit_2(rc, err, *needles):
    assert rc == 2, (rc, err)
    lines = [l for l in err.strip().split("\n") if l.strip()]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], (needle, err)


def test_config_unknown_key_exit_2(darwaza, tmp_path):
    d = write_config_dir(tmp_path, "http://127.0.0.1:1", extra="bogus_key: 1\n")
    rc, out, err = run_darwaza(darwaza, ["serve", "--config", str(d / "darwaza.yaml")])
    assert_exit_2(rc, err, "bogus_key")


def test_config_unknown_nested_key_exit_2(darwaza, tmp_path):
    d = tmp_path
    (d / "c.yaml").write_text(
        "descriptor_sets:\n  - %s\nupstreams:\n  \"*\":\n    - http://127.0.0.1:1\n"
        "listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\nlimits:\n  max_bodyy_bytes: 5\n" % ECHO_DESCRIPTORS
    )
    rc, out, err = run_darwaza(darwaza, ["serve", "--config", str(d / "c.yaml")])
    assert_exit_2(rc, err, "max_bodyy_bytes")


def test_config_missing_file_exit_2(darwaza, tmp_path):
    rc, out, err = run_darwaza(darwaza, ["serve", "--config", str(tmp_path / "absent.yaml")])
    assert_exit_2(rc, err, "absent.yaml")


@pytest.mark.parametrize("upstream", ["nonsense", "=http://127.0.0.1:1", SERVICE + "=", SERVICE + "=ftp://127.0.0.1:1",
                                      SERVICE + "=http://127.0.0.1:notaport"])
def test_malformed_upstream_exit_2(darwaza, echo_descriptors, upstream):
    rc, out, err = run_darwaza(darwaza, [
        "serve", "--descriptor-set", echo_descriptors, "--upstream", upstream,
        "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    assert rc == 2, (rc, out, err)
    assert err.strip() and len(err.strip().split("\n")) == 1, err


def test_missing_descriptor_file_exit_2(darwaza, tmp_path):
    missing = str(tmp_path / "nope.binpb")
    rc, out, err = run_darwaza(darwaza, [
        "serve", "--descriptor-set", missing, "--upstream", "*=http://127.0.0.1:1",
        "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    assert_exit_2(rc, err, "nope.binpb")


def test_garbage_descriptor_file_exit_2(darwaza, tmp_path):
    bad = tmp_path / "garbage.binpb"
    bad.write_bytes(b"\xff\xff\xff\xff not a descriptor set")
    rc, out, err = run_darwaza(darwaza, [
        "serve", "--descriptor-set", str(bad), "--upstream", "*=http://127.0.0.1:1",
        "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    assert_exit_2(rc, err, "garbage.binpb")


def test_conflicting_descriptor_sets_exit_2(darwaza, echo_descriptors, tmp_path):
    import shutil

    if shutil.which("protoc") is None:
        pytest.skip("protoc not installed")
    (tmp_path / "conflict.proto").write_text(
        'syntax = "proto3";\npackage darwaza.testing.echo;\nmessage Nested { int32 other = 1; }\n'
    )
    out_file = tmp_path / "conflict.binpb"
    subprocess.run(["protoc", "-I", str(tmp_path), "--descriptor_set_out=%s" % out_file, "conflict.proto"],
                   check=True, timeout=60)
    rc, out, err = run_darwaza(darwaza, [
        "serve", "--descriptor-set", echo_descriptors, "--descriptor-set", str(out_file),
        "--upstream", "*=http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    assert_exit_2(rc, err)
    # "names both files": the descriptor-set paths or the .proto files inside them.
    line = err.strip()
    assert "echo.binpb" in line or "darwaza/testing/echo.proto" in line, err
    assert "conflict.binpb" in line or "conflict.proto" in line, err
    assert "Nested" in line, err


def test_check_command(darwaza, echo_descriptors):
    rc, out, err = run_darwaza(darwaza, ["check", "--descriptor-set", echo_descriptors])
    assert rc == 0, (rc, out, err)


# --------------------------------------------------------------------------------------------
# lifecycle


def test_sigterm_drains_in_flight_request(darwaza, echo_descriptors, backend):
    gw = start_gateway(darwaza, [
        "--descriptor-set", echo_descriptors,
        "--upstream", "%s=%s" % (SERVICE, backend.url),
        "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    try:
        result = {}

        def call():
            result["resp"] = curl(gw.url + "/v1/slow/1500", check=False)

        t = threading.Thread(target=call)
        t.start()
        time.sleep(0.5)
        gw.send_signal(signal.SIGTERM)
        # While draining, /readyz answers 503 (INTERFACE.md).
        ready = curl(gw.admin_url + "/readyz", check=False, timeout=2)
        assert ready.curl_rc != 0 or ready.status == 503, ready
        t.join(15)
        assert not t.is_alive()
        r = result["resp"]
        assert r.status == 200, r
        assert int(r.json()["sleptMillis"]) >= 1500, r
        try:
            gw.proc.wait(15)
        except subprocess.TimeoutExpired:
            pass
        assert gw.proc.returncode == 0, (gw.proc.returncode, gw.stderr()[-2000:])
    finally:
        gw.kill()
        gw.cleanup()


def test_sigint_exits_zero(darwaza, echo_descriptors, backend):
    gw = start_gateway(darwaza, [
        "--descriptor-set", echo_descriptors,
        "--upstream", "%s=%s" % (SERVICE, backend.url),
        "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    try:
        assert_echo(get(gw, "/v1/echo/x"), {"id": "x"})
        assert gw.stop(signal.SIGINT) == 0, gw.stderr()[-2000:]
    finally:
        gw.cleanup()


# --------------------------------------------------------------------------------------------
# more edge cases


def test_query_special_floats_and_unknown_enum_number(gateway):
    r = get(gateway, "/v1/echo/abc?ratio=NaN&small=-Infinity&color=99")
    assert_echo(r, {"id": "abc", "ratio": "NaN", "small": "-Infinity", "color": 99})


def test_query_negative_duration_and_percent_encoded_key(gateway):
    r = get(gateway, "/v1/echo/abc?ttl=-1.5s&nested%2Ename=k")
    assert_echo(r, {"id": "abc", "ttl": "-1.500s", "nested": {"name": "k"}})


@pytest.mark.parametrize("query", ["uint64_value=18446744073709551616", "when=10000-01-01T00:00:00Z",
                                   "id2=x", "tags=%ff"])
def test_query_more_bad_values(gateway, query):
    r = get(gateway, "/v1/echo/abc?" + query)
    assert_error(r, 400, 3)
    assert_alive(gateway)


def test_body_large_int64_exact(gateway):
    r = post_raw_json(gateway, "/v1/echo", '{"int64Value": 9007199254740993, "uint64Value": "18446744073709551615"}')
    assert_echo(r, {"int64Value": "9007199254740993", "uint64Value": "18446744073709551615"})


def test_body_numbers_in_other_forms(gateway):
    r = post_raw_json(gateway, "/v1/echo", '{"int32Value": "12", "signed32": 1e2, "ratio": "2.5", "fixed": 7}')
    assert_echo(r, {"int32Value": 12, "signed32": 100, "ratio": 2.5, "fixed": "7"})


def test_body_nulls_are_defaults(gateway):
    r = post_raw_json(gateway, "/v1/echo", '{"id": null, "nested": null, "maybeInt": null, "tags": null}')
    assert_echo(r, {})


def test_body_bytes_and_map(gateway):
    r = curl(gateway.url + "/v1/echo", json_body={"blob": "-_-_", "labels": {"": "empty", "k": ""}})
    assert_echo(r, {"blob": "+/+/", "labels": {"": "empty", "k": ""}})


def test_empty_body_on_body_star_route(gateway):
    # Not in the design notes; Envoy and grpc-gateway take an empty body as an empty message.
    host, port = gateway.host_port
    r = http_request(host, port, "POST", "/v1/echo", headers=[("Content-Length", "0")])
    assert_echo(r, {})


def test_content_type_without_body_is_fine(gateway):
    r = get(gateway, "/v1/echo/x", headers=["Content-Type: text/plain"])
    assert_echo(r, {"id": "x"})


def test_verb_with_encoded_colon_in_variable(gateway):
    r = curl(gateway.url + "/v1/echo/a%3Ab:verb", json_body={})
    assert_echo(r, {"id": "a:b"}, method="Verb")


@pytest.mark.parametrize("path", ["/v1/echo/%zz", "/v1/echo/%ff%fe", "/v1/echo/%"])
def test_bad_percent_encoding_in_path(gateway, path):
    r = get(gateway, path)
    assert 400 <= r.status < 500, r
    assert isinstance(r.json().get("code"), int), r
    assert_alive(gateway)


def test_huge_header_rejected_and_alive(gateway):
    data = raw_exchange(gateway, b"GET /v1/echo/x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300000 + b"\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 431 "), data[:300]
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), head
    assert json.loads(body) == {"code": 3, "message": "the request headers are too large"}
    assert_alive(gateway)


def test_unparsable_request_gets_json_400(gateway):
    data = raw_exchange(gateway, b"GARBAGE\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 400 "), data[:300]
    body = json.loads(data.partition(b"\r\n\r\n")[2])
    assert body["code"] == 3 and body["message"].startswith("malformed HTTP request"), body
    assert_alive(gateway)


def test_http10_request(gateway):
    data = raw_exchange(gateway, b"GET /v1/echo/old HTTP/1.0\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"200", data
    assert json.loads(body)["request"] == {"id": "old"}, data


def test_pipelined_requests_both_answered(gateway):
    data = raw_exchange(
        gateway,
        b"GET /v1/echo/p1 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /v1/echo/p2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert data.count(b"HTTP/1.1 200") == 2, data
    assert b'"id":"p1"' in data and b'"id":"p2"' in data, data
    assert data.index(b'"id":"p1"') < data.index(b'"id":"p2"'), data


def test_expect_100_continue(gateway):
    r = curl(gateway.url + "/v1/echo", json_body={"id": "cont"}, headers=["Expect: 100-continue"])
    assert_echo(r, {"id": "cont"})


def test_concurrent_http1_requests(gateway):
    results = [None] * 16

    def call(i):
        results[i] = curl(gateway.url + "/v1/slow/200", check=False)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(results))]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(r is not None and r.status == 200 for r in results), results
    assert time.monotonic() - start < 6.0


def test_h2c_parallel_streams_one_connection(gateway):
    urls = [gateway.url + "/v1/slow/500"] * 6
    start = time.monotonic()
    proc = subprocess.run(
        ["curl", "-sS", "--http2-prior-knowledge", "--parallel", "--parallel-immediate", "--max-time", "20",
         "-w", "%{http_code} %{num_connects}\n", "-o", "/dev/null"] + sum([[u, "-o", "/dev/null"] for u in urls[1:]], urls[:1]),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
    )
    elapsed = time.monotonic() - start
    lines = proc.stdout.decode().split()
    assert proc.returncode == 0, proc.stderr
    assert lines[0::2] == ["200"] * 6, lines
    assert elapsed < 2.5, elapsed  # concurrent, not 6 x 0.5 s


def test_h2c_large_bodies_both_ways(gateway):
    payload = os.urandom(1 << 20)
    r = curl(gateway.url + "/v1/raw", headers=["Content-Type: application/octet-stream"], data=payload, http2=True)
    assert r.status == 200, r
    assert r.body == b"[application/octet-stream]" + payload


def test_http1_large_response(gateway):
    payload = os.urandom(2 << 20)
    r = curl(gateway.url + "/v1/raw", headers=["Content-Type: application/octet-stream"], data=payload)
    assert r.status == 200, r
    assert r.body == b"[application/octet-stream]" + payload


@pytest.mark.parametrize("accept", [None, "text/event-stream"])
def test_empty_stream(gateway, accept):
    r = get(gateway, "/v1/count/0", headers=["Accept: " + accept] if accept else [])
    assert r.status == 200, r
    assert r.body.strip() == b"", r


def test_stream_deadline_ends_with_error_line(gateway):
    r = get(gateway, "/v1/count/10?delay_millis=300", headers=["Grpc-Timeout: 800m"])
    assert r.status == 200, r
    lines = ndjson_lines(r)
    assert lines[:2] == ITEMS3[:2], lines
    assert lines[-1].get("error", {}).get("code") == 4, lines
    assert all("i" in l for l in lines[:-1]), lines


def test_explicit_ndjson_accept(gateway):
    r = get(gateway, "/v1/count/3", headers=["Accept: application/x-ndjson"])
    assert r.content_type.split(";")[0] == "application/x-ndjson", r
    assert ndjson_lines(r) == ITEMS3


def test_metrics_count_requests(gateway):
    for _ in range(3):
        get(gateway, "/v1/echo/m")
    r = curl(gateway.admin_url + "/metrics")
    samples = [l for l in r.text.split("\n") if l.startswith("darwaza_http_requests_total")]
    assert samples, r.text[:2000]
    assert sum(float(l.rsplit(" ", 1)[1]) for l in samples) >= 3, samples


def _self_signed_cert(directory):
    """A certificate for localhost and 127.0.0.1 and its key, made with openssl."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)
    return cert, key


def test_tls_upstream_with_private_ca(darwaza, echo_descriptors, tmp_path):
    import grpc
    from concurrent import futures

    cert, key = _self_signed_cert(str(tmp_path))
    backend = EchoBackend("tls-b", echo_descriptors)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((backend._handlers(),))
    credentials = grpc.ssl_server_credentials([(open(key, "rb").read(), open(cert, "rb").read())])
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    trusted = start_gateway(darwaza, [
        "--descriptor-set", echo_descriptors, "--upstream", "%s=https://localhost:%d" % (SERVICE, port),
        "--upstream-ca", cert, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    untrusted = start_gateway(darwaza, [
        "--descriptor-set", echo_descriptors, "--upstream", "%s=https://localhost:%d" % (SERVICE, port),
        "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
    ])
    try:
        r = get(trusted, "/v1/echo/over-tls")
        assert r.status == 200, r
        assert r.json()["request"] == {"id": "over-tls"}
        assert r.header("grpc-metadata-x-backend") == "tls-b"
        refused = get(untrusted, "/v1/echo/over-tls")
        assert refused.status == 503, refused
        assert refused.json()["code"] == 14, refused
    finally:
        stop_gateway_checked(trusted)
        stop_gateway_checked(untrusted)
        server.stop(0.5).wait(5)
