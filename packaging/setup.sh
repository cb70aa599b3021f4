#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian package omadm-agent needs to build, test and demo.
# Idempotent; quiet unless something fails. Run as root on Debian 12.
set -eu

packages="build-essential meson ninja-build pkg-config clang clang-format
  clang-tidy cppcheck llvm libclang-rt-14-dev valgrind
  libxml2-dev libssl-dev libcurl4-openssl-dev libcmocka-dev libinih-dev
  openssl ca-certificates python3 curl strace systemd gcovr
  chromium chromium-driver abigail-tools osslsigncode"

if [ "${OMADM_SETUP_WINDOWS:-1}" = 1 ]; then
  packages="$packages gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 mingw-w64
    libz-mingw-w64-dev wine wine64 msitools wixl dpkg-dev autoconf automake
    libtool perl cmake"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $p"
done

if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get -o DPkg::Lock::Timeout=600 update >"$log" 2>&1 ||
     ! apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
       $missing >>"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: apt-get failed installing:$missing" >&2
    exit 1
  fi
fi
