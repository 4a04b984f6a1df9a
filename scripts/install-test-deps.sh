#!/usr/bin/env bash
# Installs what Darwaza's Python test suites and benchmarks need, on a fresh Debian 12 machine,
# as root: Debian's chromium + chromium-driver (the browser test), curl (SSE/NDJSON and HTTP
# tests), protobuf-compiler (scripts/generate-descriptors.sh), zlib1g-dev (the gateway links zlib),
# Python 3 with pip, and the pip packages of Tests/requirements.txt (protobuf, grpcio, pytest,
# websockets, selenium, jsonschema, PyYAML).
# Only what is missing is installed; safe to run again. Run from anywhere:
#
#   bash scripts/install-test-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "error: run as root (apt-get install)" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)
# protoc's well-known types (google/protobuf/*.proto) come with libprotobuf-dev on Debian.
[ -f /usr/include/google/protobuf/descriptor.proto ] || need_apt+=(libprotobuf-dev)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
[ -f /usr/include/zlib.h ] || need_apt+=(zlib1g-dev)  # the gateway links zlib (permessage-deflate)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "apt-get install: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

for tool in chromium chromedriver curl protoc python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool still missing after apt-get" >&2; exit 1; }
done

# Debian's own python3 is "externally managed" (PEP 668): pip refuses to install into it
# unless told to. A pyenv/venv interpreter has no such marker and needs no flag.
pip_flags=(-q --disable-pip-version-check)
if python3 -c 'import sys, sysconfig, os; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED")) else 1)'; then
  pip_flags+=(--break-system-packages)
fi
python3 -m pip install "${pip_flags[@]}" -r Tests/requirements.txt

python3 - <<'PY'
import google.protobuf, grpc, pytest, selenium, websockets
print("python test packages: protobuf %s, grpcio %s, pytest %s, websockets %s, selenium %s"
      % (google.protobuf.__version__, grpc.__version__, pytest.__version__,
         websockets.__version__, selenium.__version__))
PY
echo "chromium: $(chromium --version 2>/dev/null | head -n 1)"
echo "chromedriver: $(chromedriver --version 2>/dev/null | head -n 1)"
