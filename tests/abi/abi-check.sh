#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# libomadm's ABI against the committed baseline (tests/abi/libomadm.abi),
# with libabigail (Debian: abigail-tools).
#
#   abi-check.sh check  BUILD_DIR SOURCE_DIR   compare (a meson test)
#   abi-check.sh update BUILD_DIR SOURCE_DIR   write new baselines
#
# The ABI is what the shared library exports (ELF symbols) and every type
# reachable from them, restricted to the public headers (omadm/include);
# plus, as a second corpus (tests/abi/public-types.abi), the public types
# no library function takes: the plugin ABI (omadm/plugin.h), through the
# one function of the test module abi-public-types.so
# (tests/abi/public_types.c).
# check: any change but an addition (a symbol removed, a public type or a
# signature changed) fails; added functions pass with a notice asking for a
# baseline update; a baseline for another soname fails.
# update: records the new ABI (the reviewed diff of libomadm.abi shows it),
# but refuses a removed symbol under the same soname: bump the soname (the
# project version's major) first, on purpose.
set -eu
mode=$1
build=$2
src=$3
lib=$(readlink -f "$build/omadm/sdk/libomadm.so")
types_lib="$build/tests/abi/abi-public-types.so"

for tool in abidw abidiff readelf; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "abi-check: $tool not found (sh packaging/setup.sh installs abigail-tools)" >&2
    exit 1
  fi
done
for f in "$lib" "$types_lib"; do
  if ! readelf -S "$f" | grep -q '\.debug_info'; then
    echo "abi-check: $f has no debug info (a release build?): types cannot be compared" >&2
    exit 77
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/omadm-abi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
soname_of() { sed -n "s/.*<abi-corpus [^>]*soname='\([^']*\)'.*/\1/p" "$1" | head -n 1; }
soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')

# dump BINARY OUT: its ABI restricted to the public headers.
dump() {
  abidw --headers-dir "$src/omadm/include/omadm" --drop-private-types --drop-undefined-syms \
    --no-corpus-path --no-comp-dir-path --no-show-locs --no-elf-needed --out-file "$2" "$1"
}
dump "$lib" "$tmp/libomadm.abi"
dump "$types_lib" "$tmp/public-types.abi"

if [ "$mode" = update ]; then
  base="$src/tests/abi/libomadm.abi"
  if [ -f "$base" ]; then
    rc=0
    abidiff "$base" "$tmp/libomadm.abi" >"$tmp/diff" 2>&1 || rc=$?
    cat "$tmp/diff"
    if [ $((rc & 8)) -ne 0 ] && [ "$(soname_of "$base")" = "$soname" ]; then
      echo "abi-check: a symbol was removed under the same soname ($soname):" \
        "bump the major version in meson.build first" >&2
      exit 1
    fi
  fi
  cp "$tmp/libomadm.abi" "$base"
  cp "$tmp/public-types.abi" "$src/tests/abi/public-types.abi"
  echo "abi-check: baselines written: tests/abi/libomadm.abi ($soname," \
    "$(grep -c '<elf-symbol ' "$base") symbols), tests/abi/public-types.abi"
  exit 0
fi

if [ "$(soname_of "$src/tests/abi/libomadm.abi")" != "$soname" ]; then
  echo "abi-check: the baseline is for $(soname_of "$src/tests/abi/libomadm.abi"), the library" \
    "is $soname: record the new ABI (tests/abi/abi-check.sh update BUILD_DIR SOURCE_DIR)" >&2
  exit 1
fi

# compare NAME: everything but added functions and variables. libabigail
# flags a removed symbol as incompatible (bit 8) and a changed type or
# signature as a change (bit 4); both break callers built against the
# baseline (a plugin built for ABI 1 included).
compare() {
  rc=0
  abidiff --no-added-syms "$src/tests/abi/$1" "$tmp/$1" >"$tmp/diff" 2>&1 || rc=$?
  if [ $((rc & 3)) -ne 0 ]; then
    cat "$tmp/diff"
    echo "abi-check: abidiff failed on $1 (exit $rc)" >&2
    exit 1
  fi
  if [ $((rc & 12)) -ne 0 ]; then
    cat "$tmp/diff"
    echo "abi-check: INCOMPATIBLE change against tests/abi/$1 (abidiff exit $rc)." >&2
    echo "  Undo it; or, on purpose: bump the soname (the major version in meson.build)" >&2
    echo "  for a library change, OMADM_PLUGIN_ABI_VERSION for a plugin type change, and" >&2
    echo "  record the new ABI with tests/abi/abi-check.sh update BUILD_DIR SOURCE_DIR" >&2
    exit 1
  fi
  rc=0
  abidiff "$src/tests/abi/$1" "$tmp/$1" >"$tmp/diff" 2>&1 || rc=$?
  if [ $((rc & 4)) -ne 0 ]; then
    cat "$tmp/diff"
    echo "abi-check: compatible additions not in tests/abi/$1 yet; record them with" \
      "tests/abi/abi-check.sh update BUILD_DIR SOURCE_DIR"
  fi
}
compare libomadm.abi
compare public-types.abi
echo "abi-check: ok: $soname, $(grep -c '<elf-symbol ' "$tmp/libomadm.abi") symbols and the" \
  "plugin types, no incompatible change against tests/abi/"
