#!/usr/bin/env bash
# Installs everything the build needs on a Debian 12 machine, idempotently:
#   1. the Debian packages of the project (apt-get update runs only when one is missing);
#   2. blst v0.3.10, taken from the npm package @chainsafe/blst@0.2.11 (its C and assembly sources ship
#      under package/blst/), verified against the SHA-512 pinned below and unpacked into .deps/blst.
# CMake compiles blst's build/assembly.S and src/server.c itself (cmake/blst.cmake); no third-party source is
# committed. Run as root (or with sudo available) on a fresh machine; re-running is cheap.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/.deps"

packages=(
  build-essential cmake ninja-build git pkg-config
  libssl-dev libgmp-dev libgtest-dev libgmock-dev googletest libbenchmark-dev libomp-dev
  nlohmann-json3-dev libcli11-dev clang libclang-rt-14-dev
  sentencepiece libsentencepiece-dev python3-torch python3-numpy
)
# npm fetches blst; a machine may already have Node.js from elsewhere, so the command decides, not the package.
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- blst -------------------------------------------------------------------------------------------------
blst_pkg="@chainsafe/blst@0.2.11"
blst_tgz="chainsafe-blst-0.2.11.tgz"
blst_sha512="511c8e2eae46b71068c626ce9ddda980bc9d0b2d146736e220805cb1102f1b102c4738d92f4e13b107f0464cf96a9854ddad5e6de46832623f1c7c8c0a215242"
blst_dir="$deps/blst"
stamp="$blst_dir/.verified-$blst_sha512"

if [ ! -f "$stamp" ]; then
  mkdir -p "$deps"
  tmp=$(mktemp -d "$deps/blst-download.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "setup: fetching $blst_pkg" >&2
  (cd "$tmp" && npm pack --silent "$blst_pkg" >/dev/null)
  got=$(sha512sum "$tmp/$blst_tgz" | cut -d' ' -f1)
  if [ "$got" != "$blst_sha512" ]; then
    echo "setup: $blst_tgz has SHA-512 $got, expected $blst_sha512; refusing to use it" >&2
    exit 2
  fi
  tar -xzf "$tmp/$blst_tgz" -C "$tmp" package/blst/build package/blst/src package/blst/bindings/blst.h \
    package/blst/bindings/blst_aux.h package/blst/LICENSE
  rm -rf "$blst_dir"
  mv "$tmp/package/blst" "$blst_dir"
  touch "$stamp"
  echo "setup: blst ready in $blst_dir" >&2
fi
