#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what it needs, builds, and runs the Swift
# unit tests, the differential test against Python's protobuf, the conformance suite, and the
# integration tests against real peers (Python grpcio, curl). Prints a closing `N passed, N failed` line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

swift build --build-tests
swift test --skip-build 2>&1 | tee /tmp/darwaza-swift-test.log

passed=0
failed=0
# Swift Testing's closing line: "Test run with N tests in M suites passed after ..."
swift_tests=$(grep -oE 'Test run with [0-9]+ tests? in [0-9]+ suites? passed' /tmp/darwaza-swift-test.log | grep -oE '[0-9]+' | head -n 1 || true)
[ -n "$swift_tests" ] && passed=$((passed + swift_tests)) || failed=$((failed + 1))
count() {  # adds the last "N passed, N failed" line of a log to the totals
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 || true)
  if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
  passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}

python3 Tests/Differential/differential.py \
  --testee .build/debug/darwaza-conformance-testee \
  --descriptors proto/descriptors/all_types_editions.binpb \
  --cases 3000 --max-seconds 300 2>&1 | tee /tmp/darwaza-differential.log || true
count /tmp/darwaza-differential.log

# The conformance suite (conformance/*.yaml) through the gateway against its fake backend.
.build/debug/darwaza conformance conformance --junit /tmp/darwaza-conformance.xml 2>&1 \
  | tee /tmp/darwaza-conformance.log || true
count /tmp/darwaza-conformance.log

DARWAZA_BIN=.build/debug/darwaza python3 -m pytest -q -p no:cacheprovider --tb=native Tests/Integration 2>&1 \
  | tee /tmp/darwaza-integration.log || true
line=$(grep -E '[0-9]+ (passed|failed)' /tmp/darwaza-integration.log | tail -n 1 || true)
ip=$(echo "$line" | grep -oE '[0-9]+ passed' | cut -d' ' -f1 || true)
if_=$(echo "$line" | grep -oE '[0-9]+ failed' | cut -d' ' -f1 || true)
ie=$(echo "$line" | grep -oE '[0-9]+ error' | cut -d' ' -f1 || true)
passed=$((passed + ${ip:-0}))
failed=$((failed + ${if_:-0} + ${ie:-0}))
[ -n "$line" ] || failed=$((failed + 1))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
