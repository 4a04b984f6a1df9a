#!/usr/bin/env python3
"""WebSocket fan-out benchmark (not a test) for Darwaza's WebSocket bridge.

Starts Python grpc.aio backends (Tests/Integration/stream_backend.py, one process each) and
`darwaza serve` (the release binary .build/release/darwaza if present, else the debug one, or
--binary), then:

1. opens N concurrent WebSocket subscriptions (GET /v1/subscribe, server streaming; default
   10,000) from several client processes, and reports the gateway's resident memory per idle
   subscription: (RSS after all are open and their upstream calls are seen by the backends -
   RSS before) / N, from /proc/PID/status;
2. has the backends emit messages at a target total rate (default 10,000 messages/s, spread
   round-robin over the subscriptions) for a bounded time (default 10 s), each message carrying
   the backend's `time.time_ns()` taken just before its gRPC write, and reports delivered
   messages/s and the p50/p90/p99/max latency from that send to the client's receive
   (`time.time_ns()` on arrival, before parsing), plus the gateway's CPU time per message.

Targets (from the issue): <= 16 KB of gateway memory per idle subscription; p99 < 5 ms at
10,000 messages/s.

Usage: python3 scripts/bench-websocket.py [--subscriptions N] [--rate R] [--seconds S]
           [--clients P] [--backends K] [--payload-bytes B] [--deflate] [--binary PATH]

Limits, also printed with the results: everything runs on this machine (the gateway, the Python
backends and the Python clients share its cores), so the latency includes the Python clients'
and backends' own scheduling delays, and CPU contention from them; the open-file limit caps N
(this process and the gateway raise their soft limit to the hard limit). Every wait is bounded.
"""

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "Tests", "Integration"))

from streaming_support import (  # noqa: E402
    STREAM_SERVICE,
    STREAMS_DESCRIPTORS,
    DarwazaProcess,
    rss_kb,
    write_config,
)


def raise_nofile():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for want in (1 << 20, 262144, 65536):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return want, want
        except (ValueError, OSError):
            pass
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def open_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


# The gateway keeps one HTTP/2 connection per event loop per upstream endpoint, and swift-nio-http2
# allows 100 concurrent streams on a connection whose peer does not announce
# SETTINGS_MAX_CONCURRENT_STREAMS (grpc's servers do not): streams past that wait for a free slot.
# So each endpoint carries at most 100 x (event loops) live subscriptions; the benchmark spreads
# the subscriptions over several loopback addresses of the same backend process to measure the
# rest of the path (and says so in its output).
SUBS_PER_ENDPOINT = 150


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


# ------------------------------------------------------------------------------------------
# Backends (separate processes)


class BackendProcess:
    def __init__(self, extra_hosts=()):
        self.hosts = ["127.0.0.1"] + list(extra_hosts)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(REPO, "Tests", "Integration", "stream_backend.py"), "--port", "0",
             "--also-on", ",".join(extra_hosts)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=raise_nofile)
        deadline = time.monotonic() + 20
        result = {}

        def read():
            result["line"] = self.proc.stdout.readline()

        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(max(0.1, deadline - time.monotonic()))
        line = result.get("line", b"").decode().strip()
        if not line.startswith("port "):
            self.proc.kill()
            raise RuntimeError("backend did not start: %r" % line)
        self.port = int(line.split()[1])
        self.urls = ["http://%s:%d" % (h, self.port) for h in self.hosts]
        self._channel = None

    def _stub(self, method, req_name, reply_name):
        import grpc
        from stream_backend import Schema

        if self._channel is None:
            self.schema = Schema()
            self._channel = grpc.insecure_channel("127.0.0.1:%d" % self.port)
        req, rep = self.schema.cls(req_name), self.schema.cls(reply_name)
        return self._channel.unary_unary("/%s/%s" % (STREAM_SERVICE, method),
                                         request_serializer=req.SerializeToString,
                                         response_deserializer=rep.FromString), req

    def stats(self):
        call, req = self._stub("Stats", "StatsRequest", "StatsReply")
        return call(req(tag="-none-"), timeout=10)

    def emit_future(self, rate, seconds, payload_bytes):
        call, req = self._stub("Emit", "EmitRequest", "EmitReply")
        return call.future(req(rate=rate, seconds=seconds, payload_bytes=payload_bytes), timeout=seconds + 30)

    def stop(self):
        if self._channel is not None:
            self._channel.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# ------------------------------------------------------------------------------------------
# Client processes


def client_main(conn, url, count, concurrency, deflate, open_timeout, direct_urls=None):
    raise_nofile()
    try:
        if direct_urls:
            asyncio.run(_direct_client(conn, direct_urls, count))
        else:
            asyncio.run(_client(conn, url, count, concurrency, deflate, open_timeout))
    except Exception as e:  # report, never hang the parent
        try:
            conn.send(("error", repr(e)))
        except Exception:
            pass


async def _client(conn, url, count, concurrency, deflate, open_timeout):
    from websockets.asyncio.client import connect

    sem = asyncio.Semaphore(concurrency)
    sockets = []
    failures = []
    state = {"measuring": False, "received": 0, "latencies": [], "closed": 0, "errors": 0, "samples": []}

    async def reader(ws):
        try:
            async for message in ws:
                now = time.time_ns()
                if state["measuring"]:
                    state["received"] += 1
                    if isinstance(message, str):
                        i = message.find('"sentAtNs":"')
                        sent = int(message[i + 12:message.index('"', i + 12)])
                    else:
                        sent = 0
                    state["latencies"].append(now - sent)
        except Exception as e:
            state["errors"] += 1
            if len(state["samples"]) < 5:
                state["samples"].append(repr(e)[:300])
        finally:
            state["closed"] += 1
            if ws.close_code is not None and ws.close_code != 1000 and len(state["samples"]) < 5:
                state["samples"].append("closed %s %r" % (ws.close_code, ws.close_reason))

    async def open_one():
        async with sem:
            try:
                ws = await connect(url, compression="deflate" if deflate else None, ping_interval=None,
                                   open_timeout=open_timeout, close_timeout=2, proxy=None, max_queue=64)
            except Exception as e:
                failures.append(repr(e)[:200])
                return
            sockets.append(ws)
            asyncio.ensure_future(reader(ws))

    t0 = time.monotonic()
    await asyncio.gather(*(open_one() for _ in range(count)))
    conn.send(("opened", len(sockets), failures[:5], len(failures), time.monotonic() - t0))

    async def close():
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)

    await _serve_commands(conn, state, close)


async def _serve_commands(conn, state, close):
    """Answers the parent's start/stop/close commands for one client process."""
    commands = asyncio.Queue()
    asyncio.get_running_loop().add_reader(conn.fileno(), lambda: commands.put_nowait(conn.recv()))
    while True:
        cmd = await commands.get()
        if cmd == "start":
            state["received"] = 0
            state["latencies"] = []
            state["measuring"] = True
        elif cmd == "stop":
            state["measuring"] = False
            conn.send(("stats", state["received"], state["latencies"], state["closed"], state["errors"],
                       state["samples"]))
        elif cmd == "close":
            await close()
            conn.send(("closed",))
            return


async def _direct_client(conn, urls, count):
    """The same subscriptions straight to the backend over gRPC (no gateway), for comparison."""
    import grpc
    from stream_backend import Schema

    schema = Schema()
    Req, Tick = schema.cls("SubscribeRequest"), schema.cls("Tick")
    channels = [grpc.aio.insecure_channel(u[len("http://"):]) for u in urls]
    stubs = [ch.unary_stream("/%s/Subscribe" % STREAM_SERVICE, request_serializer=Req.SerializeToString,
                             response_deserializer=Tick.FromString) for ch in channels]
    state = {"measuring": False, "received": 0, "latencies": [], "closed": 0, "errors": 0, "samples": []}
    calls = []

    async def reader(call):
        try:
            async for tick in call:
                now = time.time_ns()
                if state["measuring"]:
                    state["received"] += 1
                    state["latencies"].append(now - tick.sent_at_ns)
        except Exception as e:
            state["errors"] += 1
            if len(state["samples"]) < 3:
                state["samples"].append(repr(e)[:300])
        finally:
            state["closed"] += 1

    t0 = time.monotonic()
    for i in range(count):
        call = stubs[i % len(stubs)](Req())
        calls.append(call)
        asyncio.ensure_future(reader(call))
    await asyncio.sleep(0.5)
    conn.send(("opened", len(calls), [], 0, time.monotonic() - t0))

    async def close():
        for call in calls:
            call.cancel()
        for ch in channels:
            await ch.close()

    await _serve_commands(conn, state, close)


def recv_bounded(conn, timeout, what):
    if not conn.poll(timeout):
        raise TimeoutError("no answer from a client process within %.0fs (%s)" % (timeout, what))
    msg = conn.recv()
    if msg[0] == "error":
        raise RuntimeError("client process failed: %s" % msg[1])
    return msg


# ------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subscriptions", "-n", type=int, default=10000)
    ap.add_argument("--rate", type=float, default=10000.0, help="messages/s in total")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=max(2, os.cpu_count() or 2), help="client processes")
    ap.add_argument("--backends", type=int, default=1, help="backend processes")
    ap.add_argument("--payload-bytes", type=int, default=0)
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds of emission at the target rate before measuring")
    ap.add_argument("--concurrency", type=int, default=100, help="handshakes in flight per client process")
    ap.add_argument("--deflate", action="store_true", help="clients offer permessage-deflate")
    ap.add_argument("--binary", default=None)
    ap.add_argument("--direct", action="store_true",
                    help="for comparison: the clients subscribe to the backends over gRPC, without the gateway")
    ap.add_argument("--endpoints", type=int, default=0,
                    help="loopback addresses (127.0.0.k) each backend also listens on, each a separate upstream "
                         "endpoint of the gateway; 0: enough for about %d subscriptions per endpoint" % SUBS_PER_ENDPOINT)
    args = ap.parse_args()

    if args.subscriptions < 1 or args.rate <= 0 or args.seconds <= 0 or args.seconds > 300:
        ap.error("need subscriptions >= 1, rate > 0, 0 < seconds <= 300")
    binary = args.binary or next(
        (p for p in (os.path.join(REPO, ".build", "release", "darwaza"), os.path.join(REPO, ".build", "debug", "darwaza"))
         if os.path.exists(p)), None)
    if binary is None:
        sys.exit("no darwaza binary (swift build -c release --product darwaza)")
    build = "release" if "/release/" in binary else ("debug" if "/debug/" in binary else "custom")

    soft, hard = raise_nofile()
    if soft < args.subscriptions + 256:
        sys.exit("open-file limit %d is too low for %d subscriptions in the gateway" % (soft, args.subscriptions))
    clients = max(1, min(args.clients, args.subscriptions))

    print("darwaza WebSocket benchmark: %d subscriptions, %.0f messages/s for %.0f s, %d client processes, "
          "%d backend processes, payload %d bytes, deflate %s, %s build (%s)" % (
              args.subscriptions, args.rate, args.seconds, clients, args.backends, args.payload_bytes,
              "on" if args.deflate else "off", build, binary), flush=True)
    if args.direct:
        print("DIRECT mode: clients subscribe to the backends over gRPC; the gateway only idles (its figures "
              "below are not the bridge's)", flush=True)
    print("machine: %d cores; open-file limit %d (hard %d)" % (os.cpu_count(), soft, hard), flush=True)

    tmp = tempfile.mkdtemp(prefix="darwaza-bench-ws-")
    backends, procs, pipes = [], [], []
    gateway = None
    try:
        endpoints = args.endpoints or max(1, min(250, -(-args.subscriptions // (SUBS_PER_ENDPOINT * args.backends))))
        extra = ["127.0.0.%d" % k for k in range(2, endpoints + 1)]
        backends = [BackendProcess(extra) for _ in range(args.backends)]
        upstream_urls = [u for b in backends for u in b.urls]
        print("upstream endpoints: %d (%d backend process(es) x %d loopback address(es))" % (
            len(upstream_urls), len(backends), endpoints), flush=True)
        config = write_config(tmp, {
            "descriptor_sets": [STREAMS_DESCRIPTORS],
            "upstreams": {STREAM_SERVICE: upstream_urls},
            "websocket": {"idle_timeout_seconds": 3600, "ping_interval_seconds": 30},
        })
        gateway = DarwazaProcess(binary, "serve", ["--config", config, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"],
                                 nofile=hard)
        gateway.start()
        print("gateway pid %d at %s (open-file limit %s)" % (gateway.pid, gateway.url, _proc_nofile(gateway.pid)),
              flush=True)

        # Warm up: one subscription opened and closed, so that the upstream connections exist.
        from websockets.sync.client import connect as sync_connect

        with sync_connect(gateway.ws_url + "/v1/subscribe", compression=None, proxy=None, open_timeout=10):
            time.sleep(0.3)
        time.sleep(0.5)
        rss_before = rss_kb(gateway.pid)

        # 1. Idle subscriptions.
        url = gateway.ws_url + "/v1/subscribe" + ("?payload_bytes=%d" % args.payload_bytes if args.payload_bytes else "")
        ctx = mp.get_context("spawn")
        per = [args.subscriptions // clients + (1 if i < args.subscriptions % clients else 0) for i in range(clients)]
        t0 = time.monotonic()
        for n in per:
            parent, child = ctx.Pipe()
            p = ctx.Process(target=client_main, daemon=True, args=(
                child, url, n, args.concurrency, args.deflate, 60, upstream_urls if args.direct else None))
            p.start()
            procs.append(p)
            pipes.append(parent)
        opened = failed = 0
        failure_samples = []
        for parent in pipes:
            _, ok, samples, nfail, _ = recv_bounded(parent, 600, "opening subscriptions")
            opened += ok
            failed += nfail
            failure_samples += samples
        open_seconds = time.monotonic() - t0
        print("opened %d subscriptions in %.1f s (%.0f/s), %d failed%s" % (
            opened, open_seconds, opened / open_seconds, failed,
            (": " + "; ".join(failure_samples[:3])) if failed else ""), flush=True)

        # Wait until the backends see every upstream call.
        deadline = time.monotonic() + 120
        seen = 0
        while time.monotonic() < deadline:
            seen = sum(b.stats().subscribers for b in backends)
            if seen >= opened:
                break
            time.sleep(0.5)
        time.sleep(2.0)
        rss_after = rss_kb(gateway.pid)
        per_sub = (rss_after - rss_before) / max(1, opened)
        print("backends see %d open upstream calls%s; gateway open files %d" % (
            seen, "" if seen >= opened else " (FEWER than the %d WebSockets: the rest wait for upstream streams)" % opened,
            open_fds(gateway.pid)), flush=True)
        print("gateway RSS: %d KiB before, %d KiB with %d idle subscriptions -> %.1f KiB per idle subscription "
              "= %.0f bytes (target <= 16 KB) %s" % (rss_before, rss_after, opened, per_sub, per_sub * 1024,
                                         "MET" if per_sub * 1024 <= 16000 else "NOT MET"), flush=True)

        # 2. Fan-out at the target rate (after an unmeasured warm-up at the same rate).
        if args.warmup > 0:
            for f in [b.emit_future(args.rate / len(backends), args.warmup, args.payload_bytes) for b in backends]:
                f.result(timeout=args.warmup + 60)
            time.sleep(1.0)
        for parent in pipes:
            parent.send("start")
        time.sleep(0.3)
        cpu0 = cpu_seconds(gateway.pid)
        peer_pids = [b.proc.pid for b in backends] + [p.pid for p in procs]
        peer_cpu0 = [cpu_seconds(pid) for pid in peer_pids]
        t_emit = time.monotonic()
        futures = [b.emit_future(args.rate / len(backends), args.seconds, args.payload_bytes) for b in backends]
        replies = [f.result(timeout=args.seconds + 60) for f in futures]
        emit_wall = time.monotonic() - t_emit
        time.sleep(2.0)  # messages in flight
        cpu1 = cpu_seconds(gateway.pid)
        peer_cpu = [cpu_seconds(pid) - c0 for pid, c0 in zip(peer_pids, peer_cpu0)]
        received, latencies, closed, errors, samples = 0, [], 0, 0, []
        for parent in pipes:
            parent.send("stop")
        for parent in pipes:
            _, n, lat, c, e, smp = recv_bounded(parent, 120, "stats")
            received += n
            latencies += lat
            closed += c
            errors += e
            samples += smp
        emitted = sum(r.sent for r in replies)
        dropped = sum(r.dropped for r in replies)
        latencies.sort()
        ms = [x / 1e6 for x in (percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99),
                                latencies[-1] if latencies else float("nan"))]
        delivered_rate = received / args.seconds
        print("backends emitted %d messages in %.1f s (%.0f/s; %d skipped: subscription still busy with the previous one)"
              % (emitted, emit_wall, emitted / emit_wall, dropped), flush=True)
        print("clients received %d messages: %.0f messages/s delivered (target %.0f); %d subscriptions closed early, "
              "%d reader errors%s" % (received, delivered_rate, args.rate, closed, errors,
                                      (": " + "; ".join(samples[:5])) if samples else ""), flush=True)
        print("latency backend send -> client receive: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms "
              "(target p99 < 5 ms) %s" % (ms[0], ms[1], ms[2], ms[3],
                                          "MET" if ms[2] < 5 and delivered_rate >= 0.95 * args.rate else "NOT MET"),
              flush=True)
        cpu = cpu1 - cpu0
        window = emit_wall + 2.0
        print("gateway CPU: %.2f s over %.1f s (%.0f%% of one core), %.1f us per delivered message" % (
            cpu, window, 100 * cpu / window, 1e6 * cpu / max(1, received)), flush=True)
        print("peers' CPU over the same window: backend(s) %s, clients %s (%% of one core; the machine has %d)" % (
            ", ".join("%.0f%%" % (100 * c / window) for c in peer_cpu[:len(backends)]),
            ", ".join("%.0f%%" % (100 * c / window) for c in peer_cpu[len(backends):]), os.cpu_count()), flush=True)
        print("RESULT memory_per_idle_subscription_kib=%.1f delivered_per_s=%.0f p50_ms=%.2f p99_ms=%.2f build=%s"
              % (per_sub, delivered_rate, ms[0], ms[2], build), flush=True)
        print("limits: gateway, %d Python backend process(es) and %d Python client process(es) share %d cores; "
              "latency includes the Python peers' scheduling delays and the timestamps' clock reads; the %s "
              "build was measured%s." % (
                  len(backends), clients, os.cpu_count(), build,
                  "" if build == "release" else " (debug builds are several times slower than release)"), flush=True)

        for parent in pipes:
            parent.send("close")
        for parent in pipes:
            try:
                recv_bounded(parent, 60, "closing")
            except Exception:
                pass
    finally:
        for p in procs:
            p.join(5)
            if p.is_alive():
                p.kill()
        if gateway is not None:
            rc = gateway.stop(timeout=30)
            if rc not in (0, None):
                print("gateway exit status %r" % rc)
            gateway.cleanup()
        for b in backends:
            b.stop()


def _proc_nofile(pid):
    try:
        with open("/proc/%d/limits" % pid) as f:
            for line in f:
                if line.startswith("Max open files"):
                    return line.split()[3]
    except OSError:
        pass
    return "?"


if __name__ == "__main__":
    main()
