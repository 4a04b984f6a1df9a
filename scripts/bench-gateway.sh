#!/usr/bin/env bash
# Gateway benchmark (not a test): drives POST /v1/payments (~600-byte JSON body) and
# GET /v1/payments/{id} through `darwaza serve` with wrk (HTTP/1.1) and h2load (h2c) at 64
# concurrent connections, and the backend directly with h2load over gRPC framing; reports
# requests/s, latency and the gateway's CPU microseconds per request (utime+stime from /proc).
# Usage: scripts/bench-gateway.sh [SECONDS]   (default 10; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
command -v wrk >/dev/null && command -v h2load >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nghttp2-client >/dev/null
}
swift build -c release --product darwaza >/dev/null
swift build -c release --product darwaza-bench >/dev/null
bin=.build/release
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/darwaza-bench" backend 0 >"$work/backend.out" &
for _ in $(seq 50); do grep -q listening "$work/backend.out" 2>/dev/null && break; sleep 0.1; done
backend=$(sed -n 's/^listening //p' "$work/backend.out")
"$bin/darwaza" serve --descriptor-set proto/descriptors/payments.binpb \
  --upstream "payments.v1.PaymentService=$backend" --listen 127.0.0.1:0 --admin 127.0.0.1:0 >"$work/gateway.out" &
gateway_pid=$!
for _ in $(seq 50); do grep -q '^listening' "$work/gateway.out" 2>/dev/null && break; sleep 0.1; done
gateway=$(sed -n 's/^listening //p' "$work/gateway.out")

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
payment = {"amount": {"currencyCode": "EUR", "units": "1249", "nanos": 500000000},
  "customer": {"name": "Ada Lovelace", "email": "ada@example.com",
    "address": {"lines": ["12 Analytical Way"], "city": "London", "postalCode": "N1 9GU", "countryCode": "GB"}},
  "lineItems": [{"sku": "SKU-10001", "description": "Stainless steel bottle, 750 ml", "quantity": 2,
    "unitPrice": {"currencyCode": "EUR", "units": "12", "nanos": 990000000}}],
  "metadata": {"order_id": "ord_5512", "channel": "web"}, "idempotencyKey": "idem-3f1c2a", "livemode": True}
body = json.dumps(payment, separators=(",", ":"))
open(f"{work}/body.json", "w").write(body)
open(f"{work}/post.lua", "w").write(
    'wrk.method = "POST"\nwrk.body = io.open("%s/body.json"):read("*a")\nwrk.headers["Content-Type"] = "application/json"\n' % work)
# A gRPC-framed GetPaymentRequest {name: "payments/pay_1001"} for the direct run.
name = b"payments/pay_1001"
message = bytes([0x0A, len(name)]) + name
open(f"{work}/get.grpc", "wb").write(bytes([0]) + len(message).to_bytes(4, "big") + message)
print(f"POST body: {len(body)} bytes")
PY

cpu() { awk '{print $14 + $15}' "/proc/$gateway_pid/stat"; }
ticks=$(getconf CLK_TCK)
report() {  # name, requests, cpu ticks used
  awk -v name="$1" -v n="$2" -v t="$3" -v hz="$ticks" \
    'BEGIN { printf "%-28s gateway CPU per request: %.1f us\n", name, (n > 0 ? t / hz * 1e6 / n : 0) }'
}
run_wrk() {  # name, wrk args...
  local name=$1; shift
  local before after out requests
  before=$(cpu)
  out=$(wrk -t2 -c64 -d"${seconds}s" --latency "$@")
  after=$(cpu)
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "== $name"; echo "$out" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors' || true
  report "$name" "$requests" $((after - before))
}
run_h2load() {  # name, h2load args...
  local name=$1; shift
  local before after out requests
  before=$(cpu)
  out=$(h2load -c64 -m1 -D "$seconds" "$@" 2>&1)
  after=$(cpu)
  requests=$(echo "$out" | awk '/^requests:/ {print $2}')
  echo "== $name"; echo "$out" | grep -E 'finished in|requests:|time for request' || true
  report "$name" "$requests" $((after - before))
}

curl -s -o /dev/null -X POST "$gateway/v1/payments" -H 'Content-Type: application/json' -d @"$work/body.json"
run_wrk "HTTP/1.1 POST /v1/payments" -s "$work/post.lua" "$gateway/v1/payments"
run_wrk "HTTP/1.1 GET /v1/payments/id" "$gateway/v1/payments/pay_1001"
run_h2load "h2c POST /v1/payments" -d "$work/body.json" -H 'Content-Type: application/json' "$gateway/v1/payments"
run_h2load "h2c GET /v1/payments/id" "$gateway/v1/payments/pay_1001"
echo "== gRPC direct to the backend (h2load, no gateway)"
h2load -c64 -m1 -D "$seconds" -d "$work/get.grpc" -H 'content-type: application/grpc' -H 'te: trailers' \
  "$backend/payments.v1.PaymentService/GetPayment" 2>&1 | grep -E 'finished in|requests:|time for request'

# Open loop at 1,000 requests/s for $seconds s (10 clients, each on a fixed schedule of one request
# every 10 ms): latency percentiles through the gateway and directly to the backend.
open_loop() {  # name, uri, h2load args...
  local name=$1 uri=$2; shift 2
  : >"$work/timing"
  for ((t = 0; t < seconds * 1000; t += 10)); do printf '%d\t%s\n' "$t" "$uri" >>"$work/timing"; done
  rm -f "$work/log"
  h2load -c10 -m10 --timing-script-file="$work/timing" --log-file="$work/log" "$@" >/dev/null 2>&1 || true
  sort -n -k3 "$work/log" | awk -v name="$name" '{ d[NR] = $3 } END {
    if (NR == 0) { print name ": no requests"; exit }
    printf "%-40s %d requests, p50 %.0f us, p99 %.0f us\n", name, NR, d[int(NR * 0.5) + 1], d[int(NR * 0.99) + 1] }'
}
echo "== open loop, 1,000 requests/s"
open_loop "h2c GET /v1/payments/id via gateway" "$gateway/v1/payments/pay_1001"
open_loop "gRPC GetPayment direct to the backend" "$backend/payments.v1.PaymentService/GetPayment" \
  -d "$work/get.grpc" -H 'content-type: application/grpc' -H 'te: trailers'
