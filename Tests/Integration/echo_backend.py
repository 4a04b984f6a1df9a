#!/usr/bin/env python3
"""A gRPC backend for Darwaza's integration suite: darwaza.testing.echo.EchoService.

Served with Python grpcio from the descriptor set proto/descriptors/echo.binpb;
message classes are built at run time (no generated _pb2 code).

As a script (prints `port N` once serving, runs until SIGTERM/SIGINT):

    python3 Tests/Integration/echo_backend.py [--port 0] [--id NAME] [--descriptors FILE]

As a module: `EchoBackend(backend_id).start()` returns the bound port; `.stop()`.

Behaviour:
* Every call gets initial metadata `x-backend: <id>` and trailing metadata
  `x-trailer: t`.
* Echo/EchoPath/Verb/Plain answer EchoReply{method, request, metadata,
  request_json, backend}.
* Fail aborts with the requested code and message; with `details` it first sets
  `grpc-status-details-bin` (a google.rpc.Status holding an ErrorInfo, a
  darwaza.testing.echo.Nested and an Any of the unknown type
  type.googleapis.com/example.Unknown with value 08 01).
* Slow sleeps `millis`, ending early when the call ends (client cancel or
  deadline); such calls are counted as cancelled (see Stats and
  EchoBackend.cancelled).
* Raw answers HttpBody{content_type: "text/x-echo", data: b"[" + ct + b"]" + data}.
* Count streams CountReply{i, text="item i"} for i in 1..n; at i == fail_at it
  aborts with fail_code (default ABORTED) and fail_message instead.
"""

import argparse
import base64
import json
import os
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import json_format, message_factory
from descriptor_sets import load_pool
from grpc_support import serve_until_signal, status_code

SERVICE = "darwaza.testing.echo.EchoService"
PKG = "darwaza.testing.echo"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_DESCRIPTORS = os.path.join(REPO_ROOT, "proto", "descriptors", "echo.binpb")

UNKNOWN_ANY_TYPE = "type.googleapis.com/example.Unknown"
UNKNOWN_ANY_VALUE = b"\x08\x01"


class Schema:
    """Message classes for the echo service, from a descriptor set file."""

    def __init__(self, path=DEFAULT_DESCRIPTORS):
        self.pool = load_pool(path)
        self.service = self.pool.FindServiceByName(SERVICE)

    def cls(self, full_name):
        return message_factory.GetMessageClass(self.pool.FindMessageTypeByName(full_name))

    def to_json(self, message):
        return json.dumps(json_format.MessageToDict(message, descriptor_pool=self.pool), sort_keys=True)


def _metadata_map(context):
    out = {}
    for key, value in context.invocation_metadata():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        out[key] = out[key] + ", " + value if key in out else value
    return out


class EchoBackend:
    def __init__(self, backend_id="b1", descriptors=DEFAULT_DESCRIPTORS, host="127.0.0.1", port=0):
        self.backend_id = backend_id
        self.schema = Schema(descriptors)
        self.host = host
        self.requested_port = port
        self.port = None
        self._server = None
        self._lock = threading.Lock()
        self.calls = 0
        self.cancelled = 0
        # Metadata of the most recent call per method (for tests).
        self.last_metadata = {}

    # ---- bookkeeping ----
    def _begin(self, context, method):
        with self._lock:
            self.calls += 1
            self.last_metadata[method] = _metadata_map(context)
        context.send_initial_metadata((("x-backend", self.backend_id),))
        context.set_trailing_metadata((("x-trailer", "t"),))

    def _count_cancel(self):
        with self._lock:
            self.cancelled += 1

    def stats(self):
        with self._lock:
            return self.calls, self.cancelled

    # ---- handlers ----
    def _echo(self, method):
        Reply = self.schema.cls(PKG + ".EchoReply")

        def handler(request, context):
            self._begin(context, method)
            reply = Reply()
            reply.method = method
            reply.request.CopyFrom(request)
            for key, value in _metadata_map(context).items():
                reply.metadata[key] = value
            reply.request_json = self.schema.to_json(request)
            reply.backend = self.backend_id
            return reply

        return handler

    def _fail(self, request, context):
        self._begin(context, "Fail")
        code = status_code(request.code)
        if request.details:
            Status = self.schema.cls("google.rpc.Status")
            ErrorInfo = self.schema.cls("google.rpc.ErrorInfo")
            Nested = self.schema.cls(PKG + ".Nested")
            status = Status(code=request.code, message=request.message)
            info = ErrorInfo(reason="TEST_REASON", domain="darwaza.test")
            info.metadata["k"] = "v"
            status.details.add().Pack(info)
            status.details.add().Pack(Nested(name="n", count=5))
            unknown = status.details.add()
            unknown.type_url = UNKNOWN_ANY_TYPE
            unknown.value = UNKNOWN_ANY_VALUE
            context.set_trailing_metadata(
                (("x-trailer", "t"), ("grpc-status-details-bin", status.SerializeToString()))
            )
        context.abort(code, request.message)

    def _slow(self, request, context):
        self._begin(context, "Slow")
        remaining = context.time_remaining()
        ended = threading.Event()
        context.add_callback(ended.set)
        start = time.monotonic()
        if ended.wait(max(0, request.millis) / 1000.0) or not context.is_active():
            self._count_cancel()
            return None
        Reply = self.schema.cls(PKG + ".SlowReply")
        return Reply(
            slept_millis=int((time.monotonic() - start) * 1000),
            deadline_seconds=-1.0 if remaining is None else float(remaining),
        )

    def _raw(self, request, context):
        self._begin(context, "Raw")
        HttpBody = self.schema.cls("google.api.HttpBody")
        return HttpBody(
            content_type="text/x-echo",
            data=b"[" + request.content_type.encode() + b"]" + request.data,
        )

    def _only(self, request, context):
        self._begin(context, "Only")
        Reply = self.schema.cls(PKG + ".OnlyReply")
        reply = Reply(other="not in the body")
        reply.request.CopyFrom(request)
        return reply

    def _count(self, request, context):
        self._begin(context, "Count")
        Reply = self.schema.cls(PKG + ".CountReply")
        ended = threading.Event()
        context.add_callback(ended.set)
        for i in range(1, request.n + 1):
            if i > 1 and request.delay_millis > 0 and ended.wait(request.delay_millis / 1000.0):
                self._count_cancel()
                return
            if i == request.fail_at:
                code = status_code(request.fail_code, grpc.StatusCode.ABORTED)
                context.abort(code, request.fail_message)
            yield Reply(i=i, text="item %d" % i)

    def _stats(self, request, context):
        self._begin(context, "Stats")
        Reply = self.schema.cls(PKG + ".StatsReply")
        calls, cancelled = self.stats()
        return Reply(calls=calls, cancelled=cancelled)

    # ---- server ----
    def _handlers(self):
        handlers = {}
        impl = {
            "Echo": self._echo("Echo"),
            "EchoPath": self._echo("EchoPath"),
            "Verb": self._echo("Verb"),
            "Plain": self._echo("Plain"),
            "Fail": self._fail,
            "Slow": self._slow,
            "Raw": self._raw,
            "Only": self._only,
            "Count": self._count,
            "Stats": self._stats,
        }
        for method in self.schema.service.methods:
            req = self.schema.cls(method.input_type.full_name)
            fn = impl[method.name]
            kwargs = dict(
                request_deserializer=req.FromString,
                response_serializer=lambda m: m.SerializeToString(),
            )
            if method.server_streaming:
                handlers[method.name] = grpc.unary_stream_rpc_method_handler(fn, **kwargs)
            else:
                handlers[method.name] = grpc.unary_unary_rpc_method_handler(fn, **kwargs)
        return grpc.method_handlers_generic_handler(SERVICE, handlers)

    def start(self):
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=32),
            options=(("grpc.so_reuseport", 0),),
        )
        self._server.add_generic_rpc_handlers((self._handlers(),))
        self.port = self._server.add_insecure_port("%s:%d" % (self.host, self.requested_port))
        if not self.port:
            raise RuntimeError("could not bind %s:%d" % (self.host, self.requested_port))
        self._server.start()
        return self.port

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def stop(self, grace=0.5):
        if self._server is not None:
            self._server.stop(grace).wait(5)
            self._server = None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--id", default="b1")
    parser.add_argument("--descriptors", default=DEFAULT_DESCRIPTORS)
    args = parser.parse_args(argv)
    backend = EchoBackend(args.id, args.descriptors, args.host, args.port)
    port = backend.start()
    print("port %d" % port, flush=True)
    serve_until_signal(backend.stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
