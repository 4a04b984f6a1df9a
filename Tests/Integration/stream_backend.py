#!/usr/bin/env python3
"""A gRPC backend for Darwaza's streaming tests: darwaza.testing.streams.StreamService.

Served with grpc.aio from the descriptor set proto/descriptors/streams.binpb; message classes
are built at run time (descriptor_pool + message_factory, no generated _pb2 code).

As a module: `StreamBackend().start()` runs the server on its own event loop in a daemon
thread and returns the bound port; `.url`, `.record(tag)`, `.wait_for(...)`, `.stop()`.

As a script (prints `port N` once serving, runs until SIGTERM/SIGINT):

    python3 Tests/Integration/stream_backend.py [--port 0] [--descriptors FILE]

Every streaming call is recorded under its `tag` (Ticks: TicksRequest.tag; Sum/Echo: the tag
of the first item; Subscribe: SubscribeRequest.tag; an empty tag gets "call-N"): method, how
many messages the backend managed to write (`sent`: each `await context.write` that returned)
and read, whether it saw the call cancelled and when (`time.time_ns()` at the moment the
handler was cancelled or the RPC was reported done without a status of its own), the status it
ended with, and the `authorization` metadata.
"""

import argparse
import asyncio
import os
import sys
import threading
import time

import grpc
from google.protobuf import message_factory
from descriptor_sets import load_pool
from grpc_support import serve_until_signal, status_code

PKG = "darwaza.testing.streams"
SERVICE = PKG + ".StreamService"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_DESCRIPTORS = os.path.join(REPO_ROOT, "proto", "descriptors", "streams.binpb")


class Schema:
    def __init__(self, path=DEFAULT_DESCRIPTORS):
        self.pool = load_pool(path)
        self.service = self.pool.FindServiceByName(SERVICE)

    def cls(self, name):
        return message_factory.GetMessageClass(self.pool.FindMessageTypeByName(PKG + "." + name))


class CallRecord:
    __slots__ = ("tag", "method", "sent", "received", "cancelled", "started_at_ns", "cancelled_at_ns",
                 "ended_at_ns", "status_code", "authorization", "half_closed", "done")

    def __init__(self, tag, method, authorization):
        self.tag = tag
        self.method = method
        self.sent = 0
        self.received = 0
        self.cancelled = False
        self.started_at_ns = time.time_ns()
        self.cancelled_at_ns = 0
        self.ended_at_ns = 0
        self.status_code = -1  # -1 while running
        self.authorization = authorization
        self.half_closed = False
        self.done = False

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self):
        return "CallRecord(%r)" % self.as_dict()


def _authorization(context):
    for key, value in context.invocation_metadata() or ():
        if key == "authorization":
            return value if isinstance(value, str) else value.decode("latin-1")
    return ""


class StreamBackend:
    def __init__(self, descriptors=DEFAULT_DESCRIPTORS, host="127.0.0.1", port=0, extra_hosts=()):
        self.schema = Schema(descriptors)
        self.host = host
        # More loopback addresses served on the same port (each a separate endpoint for a client).
        self.extra_hosts = list(extra_hosts)
        self.requested_port = port
        self.port = None
        self.loop = None
        self._server = None
        self._thread = None
        self._lock = threading.Lock()
        self._records = {}
        self._serial = 0
        self._subscribers = []  # asyncio.Queue per open Subscribe call (loop thread only)
        self._active = 0
        self.Tick = self.schema.cls("Tick")
        self.SumReply = self.schema.cls("SumReply")
        self.EchoItem = self.schema.cls("EchoItem")
        self.StatsReply = self.schema.cls("StatsReply")
        self.EmitReply = self.schema.cls("EmitReply")

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    # ------------------------------------------------------------------ records

    def _new_record(self, tag, method, context):
        with self._lock:
            self._serial += 1
            if not tag:
                tag = "call-%d" % self._serial
            if tag in self._records:
                tag = "%s#%d" % (tag, self._serial)
            rec = CallRecord(tag, method, _authorization(context))
            self._records[tag] = rec
            self._active += 1

        def done(call, rec=rec):
            # Runs when the RPC is over for whatever reason; a call the handler did not finish
            # itself (no status set), or that grpc reports cancelled, was cancelled by the peer.
            try:
                cancelled = call.cancelled()
            except Exception:
                cancelled = False
            with self._lock:
                if not rec.done:
                    rec.done = True
                    self._active -= 1
                if (rec.status_code == -1 or cancelled) and not rec.cancelled:
                    rec.cancelled = True
                    rec.cancelled_at_ns = time.time_ns()
                if cancelled:
                    rec.status_code = -1
                if not rec.ended_at_ns:
                    rec.ended_at_ns = time.time_ns()

        try:
            context.add_done_callback(done)
        except Exception:  # pragma: no cover - older grpcio
            pass
        return rec

    def _cancelled(self, rec):
        with self._lock:
            if not rec.cancelled and rec.status_code == -1:
                rec.cancelled = True
                rec.cancelled_at_ns = time.time_ns()
            rec.ended_at_ns = rec.ended_at_ns or time.time_ns()

    def _finished(self, rec, code):
        with self._lock:
            rec.status_code = code
            rec.ended_at_ns = time.time_ns()

    def record(self, tag):
        with self._lock:
            rec = self._records.get(tag)
            return None if rec is None else CallRecord.as_dict(rec)

    def records(self):
        with self._lock:
            return [r.as_dict() for r in self._records.values()]

    def wait_for(self, tag, predicate=lambda r: r is not None, timeout=10.0, interval=0.01):
        """Polls the record of `tag` until predicate(record) holds or timeout; returns the record
        (or whatever it was at the deadline)."""
        deadline = time.monotonic() + timeout
        while True:
            rec = self.record(tag)
            if rec is not None and predicate(rec):
                return rec
            if time.monotonic() >= deadline:
                return rec
            time.sleep(interval)

    def active(self):
        with self._lock:
            return self._active

    def subscribers(self):
        return len(self._subscribers)

    # ------------------------------------------------------------------ handlers

    async def _ticks(self, request, context):
        rec = self._new_record(request.tag, "Ticks", context)
        fill = (request.fill or "x")[:1]
        if request.payload_bytes <= 0:
            payload = b""
        elif request.fill:
            payload = fill.encode("utf-8")[:1] * request.payload_bytes
        else:
            payload = os.urandom(request.payload_bytes)
        text = fill * request.payload_bytes if request.payload_bytes > 0 else ""
        index = 0
        try:
            while request.count == 0 or index < request.count:
                index += 1
                if index > 1 and request.interval_ms > 0:
                    await asyncio.sleep(request.interval_ms / 1000.0)
                if request.fail_at and index == request.fail_at:
                    code = request.fail_code or grpc.StatusCode.ABORTED.value[0]
                    self._finished(rec, code)
                    await context.abort(status_code(code), request.fail_message)
                tick = self.Tick(index=index, payload=payload, text=text, authorization=rec.authorization,
                                 tag=rec.tag, started_at_ns=request.started_at_ns)
                tick.sent_at_ns = time.time_ns()
                await context.write(tick)
                rec.sent += 1
            self._finished(rec, 0)
        except asyncio.CancelledError:
            self._cancelled(rec)
            raise

    async def _sum(self, request_iterator, context):
        rec = None
        total = 0
        count = 0
        try:
            async for item in request_iterator:
                if rec is None:
                    rec = self._new_record(item.tag, "Sum", context)
                rec.received += 1
                if item.fail_code:
                    self._finished(rec, item.fail_code)
                    await context.abort(status_code(item.fail_code), item.fail_message)
                total += item.value
                count += 1
            if rec is None:
                rec = self._new_record("", "Sum", context)
            if await self._ended_by_cancel(context, rec):
                return self.SumReply()
            rec.half_closed = True
            self._finished(rec, 0)
            return self.SumReply(total=total, count=count, authorization=rec.authorization, tag=rec.tag)
        except asyncio.CancelledError:
            if rec is not None:
                self._cancelled(rec)
            raise

    async def _echo(self, request_iterator, context):
        rec = None
        seq = 0
        try:
            while True:
                item = await context.read()
                if item is grpc.aio.EOF:
                    break
                if rec is None:
                    rec = self._new_record(item.tag, "Echo", context)
                rec.received += 1
                if item.fail_code:
                    self._finished(rec, item.fail_code)
                    await context.abort(status_code(item.fail_code), item.fail_message)
                answer = self.EchoItem()
                answer.CopyFrom(item)
                answer.note = "echo"
                answer.authorization = rec.authorization
                answer.sent_at_ns = time.time_ns()
                await context.write(answer)
                rec.sent += 1
                seq = item.seq
            if rec is None:
                rec = self._new_record("", "Echo", context)
            if await self._ended_by_cancel(context, rec):
                return
            rec.half_closed = True
            await context.write(self.EchoItem(note="end", seq=seq + 1, authorization=rec.authorization,
                                              tag=rec.tag, sent_at_ns=time.time_ns()))
            rec.sent += 1
            self._finished(rec, 0)
        except asyncio.CancelledError:
            if rec is not None:
                self._cancelled(rec)
            raise

    async def _ended_by_cancel(self, context, rec):
        """grpc.aio ends a request stream (EOF) when the client cancels, just as when it
        half-closes; the difference shows in context.cancelled(), possibly a moment later."""
        for _ in range(3):
            if context.cancelled():
                self._cancelled(rec)
                return True
            await asyncio.sleep(0.005)
        return context.cancelled() and (self._cancelled(rec) or True)

    async def _stats(self, request, context):
        reply = self.StatsReply()
        with self._lock:
            recs = list(self._records.values())
            reply.active = self._active
        reply.subscribers = len(self._subscribers)
        for r in recs:
            if request.tag and r.tag != request.tag:
                continue
            c = reply.calls.add()
            c.tag, c.method, c.sent, c.received = r.tag, r.method, r.sent, r.received
            c.cancelled, c.started_at_ns, c.cancelled_at_ns = r.cancelled, r.started_at_ns, r.cancelled_at_ns
            c.ended_at_ns, c.status_code, c.authorization = r.ended_at_ns, max(r.status_code, 0), r.authorization
            c.half_closed = r.half_closed
        return reply

    async def _subscribe(self, request, context):
        # Kept out of the per-call records when untagged: the benchmark opens thousands.
        rec = self._new_record(request.tag, "Subscribe", context) if request.tag else None
        queue = asyncio.Queue(maxsize=1)
        # Response headers now, so that the first message costs what every later one does.
        await context.send_initial_metadata(())
        self._subscribers.append(queue)
        payload = b"p" * request.payload_bytes if request.payload_bytes > 0 else b""
        index = 0
        try:
            while True:
                item = await queue.get()
                if item is None:
                    break
                index += 1
                tick = self.Tick(index=index, payload=payload or item)
                tick.sent_at_ns = time.time_ns()
                await context.write(tick)
                if rec is not None:
                    rec.sent += 1
            if rec is not None:
                self._finished(rec, 0)
        except asyncio.CancelledError:
            if rec is not None:
                self._cancelled(rec)
            raise
        finally:
            try:
                self._subscribers.remove(queue)
            except ValueError:
                pass

    async def _emit(self, request, context):
        """Paces `rate` messages/s round-robin over the open subscriptions for `seconds`."""
        payload = b"p" * request.payload_bytes
        subs = list(self._subscribers)
        sent = dropped = 0
        if not subs or request.rate <= 0:
            return self.EmitReply(sent=0, dropped=0, subscribers=len(subs), seconds=0.0)
        start = time.monotonic()
        end = start + request.seconds
        i = 0
        while True:
            now = time.monotonic()
            if now >= end:
                break
            due = int((now - start) * request.rate) - (sent + dropped)
            for _ in range(max(0, due)):
                q = subs[i % len(subs)]
                i += 1
                try:
                    q.put_nowait(payload)
                    sent += 1
                except asyncio.QueueFull:
                    dropped += 1
            await asyncio.sleep(0.001)
        return self.EmitReply(sent=sent, dropped=dropped, subscribers=len(subs), seconds=time.monotonic() - start)

    def _handlers(self):
        s = self.schema
        TicksRequest, SumItem, EchoItem = s.cls("TicksRequest"), s.cls("SumItem"), s.cls("EchoItem")
        Tick, SumReply = s.cls("Tick"), s.cls("SumReply")
        StatsRequest, StatsReply = s.cls("StatsRequest"), s.cls("StatsReply")
        SubscribeRequest, EmitRequest, EmitReply = s.cls("SubscribeRequest"), s.cls("EmitRequest"), s.cls("EmitReply")
        return grpc.method_handlers_generic_handler(SERVICE, {
            "Ticks": grpc.unary_stream_rpc_method_handler(
                self._ticks, TicksRequest.FromString, Tick.SerializeToString),
            "Sum": grpc.stream_unary_rpc_method_handler(
                self._sum, SumItem.FromString, SumReply.SerializeToString),
            "Echo": grpc.stream_stream_rpc_method_handler(
                self._echo, EchoItem.FromString, EchoItem.SerializeToString),
            "Stats": grpc.unary_unary_rpc_method_handler(
                self._stats, StatsRequest.FromString, StatsReply.SerializeToString),
            "Subscribe": grpc.unary_stream_rpc_method_handler(
                self._subscribe, SubscribeRequest.FromString, Tick.SerializeToString),
            "Emit": grpc.unary_unary_rpc_method_handler(
                self._emit, EmitRequest.FromString, EmitReply.SerializeToString),
        })

    # ------------------------------------------------------------------ lifecycle

    async def _serve(self, started):
        self._server = grpc.aio.server(options=[
            ("grpc.max_receive_message_length", 16 << 20),
            ("grpc.max_send_message_length", 16 << 20),
            ("grpc.so_reuseport", 0),
            # grpc core cancels calls that wait for the application beyond a queue of 1000
            # (hard limit 3000); a burst of thousands of subscriptions (the benchmark) needs more.
            ("grpc.server.max_pending_requests", 100000),
            ("grpc.server.max_pending_requests_hard_limit", 100000),
        ])
        self._server.add_generic_rpc_handlers((self._handlers(),))
        self.port = self._server.add_insecure_port("%s:%d" % (self.host, self.requested_port))
        for host in self.extra_hosts:
            if self._server.add_insecure_port("%s:%d" % (host, self.port)) != self.port:
                raise RuntimeError("could not also listen on %s:%d" % (host, self.port))
        await self._server.start()
        started.set()
        grace = await self._stop_grace
        await self._server.stop(grace)

    def start(self, timeout=10.0):
        started = threading.Event()
        self.loop = asyncio.new_event_loop()
        self._stop_grace = self.loop.create_future()

        def run():
            asyncio.set_event_loop(self.loop)
            try:
                self.loop.run_until_complete(self._serve(started))
            finally:
                self.loop.close()

        self._thread = threading.Thread(target=run, name="stream-backend", daemon=True)
        self._thread.start()
        if not started.wait(timeout):
            raise RuntimeError("stream backend did not start within %.0fs" % timeout)
        return self.port

    def stop(self, grace=0.5):
        if self._server is None or self.loop is None or self.loop.is_closed():
            return
        def request_stop():
            if not self._stop_grace.done():
                self._stop_grace.set_result(grace)

        self.loop.call_soon_threadsafe(request_stop)
        if self._thread is not None:
            self._thread.join(grace + 5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--also-on", default="", help="comma-separated further addresses on the same port")
    parser.add_argument("--descriptors", default=DEFAULT_DESCRIPTORS)
    args = parser.parse_args()
    extra = [h for h in args.also_on.split(",") if h]
    backend = StreamBackend(args.descriptors, args.host, args.port, extra_hosts=extra)
    backend.start()
    print("port %d" % backend.port, flush=True)
    serve_until_signal(backend.stop, interval=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
