#!/usr/bin/env bash
# The demo run by ./quickstart demo. Argument: the build directory.
set -euo pipefail
build=${1:?usage: demo.sh BUILD_DIR}
echo "demo: the NVRAM demo device is not built yet"
