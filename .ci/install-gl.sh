#!/usr/bin/env bash
# Sets up headless-gl for the gpu.js backend tests on Debian 12. It installs the system
# packages the `gl` npm package needs to build and run, and builds `gl` from source when
# it does not load. Its prebuilt download and node-gyp's header download both need
# network access that CI lacks, so the build uses the headers of the installed Node.
# Then it checks that a GL context opens under Xvfb. Safe to run again; prints one line.
# Run it after `pnpm install`, and run the tests under `xvfb-run -a`.
set -euo pipefail
cd "$(dirname "$0")/.."

build_packages=(build-essential python3 pkg-config libx11-dev libxi-dev libxext-dev libglu1-mesa-dev libglew-dev)
run_packages=(libgl1 libgl1-mesa-dri xvfb xauth)
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

missing=()
for package in "${build_packages[@]}" "${run_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_prefix=""
  [ "$(id -u)" -eq 0 ] || sudo_prefix="sudo"
  if ! { $sudo_prefix apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_prefix apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "install-gl: apt-get could not install ${missing[*]}" >&2
    exit 1
  fi
fi

# The gl package that gpu.js resolves.
gl_dir="$(node -e "const path = require('path'); const gpu = path.dirname(require.resolve('gpu.js/package.json', { paths: ['packages/backend-gpu'] })); console.log(path.dirname(require.resolve('gl/package.json', { paths: [gpu] })))" 2>/dev/null || true)"
if [ -z "$gl_dir" ]; then
  echo "install-gl: the gl package is not installed; run pnpm install first" >&2
  exit 1
fi

if ! node -e "require('$gl_dir')" >/dev/null 2>&1; then
  node_dir="$(dirname "$(dirname "$(command -v node)")")"
  if [ ! -f "$node_dir/include/node/common.gypi" ]; then
    echo "install-gl: no Node headers under $node_dir/include/node; install Node from a release that ships them" >&2
    exit 1
  fi
  node_gyp="$(node -e "console.log(require.resolve('node-gyp/bin/node-gyp.js', { paths: ['$gl_dir'] }))")"
  if ! (cd "$gl_dir" && JOBS=max node "$node_gyp" rebuild --nodedir="$node_dir") >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "install-gl: building gl failed" >&2
    exit 1
  fi
fi

if ! xvfb-run -a node -e "process.exit(require('$gl_dir')(1, 1) ? 0 : 1)" >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-gl: gl loads but opens no GL context under xvfb-run" >&2
  exit 1
fi
echo "install-gl: headless-gl ready ($gl_dir)"
