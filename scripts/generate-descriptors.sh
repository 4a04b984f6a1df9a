#!/usr/bin/env bash
# Regenerates the binary FileDescriptorSets under proto/descriptors/ that
# Darwaza's tests load at run time. Run from the repository root:
#
#   scripts/generate-descriptors.sh
#
# Needs `protoc` (Debian: protobuf-compiler) and, for the editions variants,
# Python 3 with the `protobuf` package. The outputs are committed.
set -euo pipefail

cd "$(dirname "$0")/.."

PROTOC="${PROTOC:-protoc}"
OUT=proto/descriptors

if ! command -v "$PROTOC" >/dev/null 2>&1; then
  echo "error: protoc not found (apt-get install -y protobuf-compiler)" >&2
  exit 1
fi

# Directory holding google/protobuf/*.proto (protoc's bundled includes).
WKT_INCLUDE="${PROTOC_INCLUDE:-}"
if [[ -z "$WKT_INCLUDE" ]]; then
  for dir in /usr/include /usr/local/include "$(dirname "$(command -v "$PROTOC")")/../include"; do
    if [[ -f "$dir/google/protobuf/descriptor.proto" ]]; then
      WKT_INCLUDE="$dir"
      break
    fi
  done
fi
if [[ -z "$WKT_INCLUDE" ]]; then
  echo "error: google/protobuf/*.proto not found; set PROTOC_INCLUDE" >&2
  exit 1
fi

mkdir -p "$OUT"

run_protoc() {
  local out="$1"
  shift
  # No --include_source_info: leaving it off is what keeps SourceCodeInfo
  # out. (protoc 3.21 treats `--include_source_info=false` as *on*.)
  "$PROTOC" -I proto -I "$WKT_INCLUDE" \
    --include_imports \
    --descriptor_set_out="$out" "$@"
  echo "wrote $out"
}

run_protoc "$OUT/all_types.binpb" \
  proto/conformance/conformance.proto \
  proto/darwaza/testing/all_types_proto3.proto \
  proto/darwaza/testing/all_types_proto2.proto

run_protoc "$OUT/payments.binpb" \
  proto/payments/v1/payments.proto \
  proto/google/api/http.proto \
  proto/google/api/annotations.proto \
  proto/google/api/httpbody.proto \
  proto/google/rpc/status.proto \
  proto/google/rpc/error_details.proto

run_protoc "$OUT/google_rpc.binpb" \
  proto/google/rpc/status.proto \
  proto/google/rpc/error_details.proto

python3 scripts/make_editions_variants.py \
  "$OUT/all_types.binpb" "$OUT/all_types_editions.binpb"
