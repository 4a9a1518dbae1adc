#!/usr/bin/env bash
# Installs the Python side of the capture and testbed tests (Debian's PyTorch, NumPy and
# Pillow) when it is missing. Idempotent and quiet: it does nothing when /usr/bin/python3
# already imports all three. libopenblas0-openmp gives torch a fast BLAS that does not oversubscribe the cores.
# Without root or password-free sudo it only warns, and the Python tests (the capture
# round trip, the testbed fixture check) then report themselves as skipped.
set -euo pipefail

if /usr/bin/python3 -c 'import torch, numpy, PIL' >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  as_root=(sudo -n)
else
  echo "install-python.sh: python3-torch is missing and installing it needs root; the Python round-trip test will be skipped" >&2
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  python3-torch python3-numpy python3-pil libopenblas0-openmp >/dev/null

/usr/bin/python3 -c 'import torch, numpy, PIL' >/dev/null
