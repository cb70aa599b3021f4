#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Checks of libomadm as an OEM sees it: installs the project into a
# temporary directory (meson install --destdir) and works only from there,
# through pkg-config.
#
#   oem-test.sh contoso BUILD_DIR SOURCE_DIR
#       builds tests/oem's example CSP and its test against the installed
#       headers and SHARED library, checks it links libomadm.so, runs it.
#   oem-test.sh headers BUILD_DIR SOURCE_DIR
#       compiles each installed public header alone as C11 and as C++11,
#       and checks a C++ caller refers to the public functions by their C
#       names (extern "C").
#   oem-test.sh plugin BUILD_DIR SOURCE_DIR
#       builds tests/oem's example CSP as a plugin (contoso_plugin.c) from
#       the installed headers only (pkg-config --cflags; no libomadm
#       linked), checks it needs no omadm_ symbol, and runs the e2e
#       tests/e2e/test_plugins.py with it against the agent ($OMADM_AGENT).
#   oem-test.sh own-agent BUILD_DIR SOURCE_DIR
#       builds tests/oem/own_agent.c (an agent of one's own on
#       omadm/device.h, with the Contoso CSP) against the installed headers
#       and SHARED library, and runs tests/e2e/test_own_agent.py with it: a
#       restart session against the mock server.
#   oem-test.sh abi BUILD_DIR SOURCE_DIR
#       nm -D of the installed shared library: it exports exactly the
#       functions the public headers declare (OMADM_API), all omadm_*; and
#       omadm/libomadm.def (the Windows DLL's exports) lists the same.
#
# Environment: OEM_CC (C compiler command), OEM_CXX (C++ compiler, for
# headers), OEM_CFLAGS (extra flags, e.g. the sanitizers of the build).
set -eu
mode=$1
build=$2
src=$3
cc=${OEM_CC:-cc}
cflags_extra=${OEM_CFLAGS:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/omadm-oem.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

if ! meson install -C "$build" --no-rebuild --destdir "$tmp/root" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"
  echo "meson install failed" >&2
  exit 1
fi
pc=$(find "$tmp/root" -name omadm.pc | head -n 1)
if [ -z "$pc" ]; then
  echo "omadm.pc was not installed" >&2
  exit 1
fi
export PKG_CONFIG_PATH="$(dirname "$pc")"
prefix=$(pkg-config --variable=prefix omadm)
pcf="--define-variable=prefix=$tmp/root$prefix"
cflags=$(pkg-config "$pcf" --cflags omadm)
libs=$(pkg-config "$pcf" --libs omadm)
libdir=$(pkg-config "$pcf" --variable=libdir omadm)
incdir=$(pkg-config "$pcf" --variable=includedir omadm)
echo "installed: $libdir, $incdir"
echo "pkg-config: $cflags $libs"

# Functions the public headers declare for export.
public_functions() {
  cat "$incdir"/omadm/*.h | tr '\n' ' ' | tr ';' '\n' | grep 'OMADM_API' |
    sed -n 's/.*[^A-Za-z0-9_]\(omadm_[a-z0-9_]*\) *(.*/\1/p' | sort -u
}

case "$mode" in
contoso)
  # shellcheck disable=SC2086 # flags are word lists
  $cc -std=c11 -Wall -Wextra -Werror -pedantic $cflags_extra $cflags \
    -o "$tmp/test-contoso" "$src/tests/oem/test_contoso.c" "$src/tests/oem/contoso_settings.c" \
    "$src/tests/oem/contoso_lib.c" \
    $libs
  if ! LD_LIBRARY_PATH="$libdir" ldd "$tmp/test-contoso" | grep -q "$libdir/libomadm.so"; then
    LD_LIBRARY_PATH="$libdir" ldd "$tmp/test-contoso"
    echo "test-contoso does not use the installed libomadm.so" >&2
    exit 1
  fi
  echo "linked against $libdir/libomadm.so"
  LD_LIBRARY_PATH="$libdir" "$tmp/test-contoso"
  ;;
plugin)
  # shellcheck disable=SC2086 # flags are word lists
  $cc -std=c11 -Wall -Wextra -Werror -pedantic -fPIC -shared -fvisibility=hidden $cflags_extra \
    $cflags -o "$tmp/contoso.so" "$src/tests/oem/contoso_plugin.c" \
    "$src/tests/oem/contoso_settings.c"
  if nm -D --undefined-only "$tmp/contoso.so" | grep -q ' omadm_'; then
    nm -D --undefined-only "$tmp/contoso.so" | grep ' omadm_' >&2
    echo "the plugin needs libomadm symbols: it must only use the host table" >&2
    exit 1
  fi
  exported=$(nm -D --defined-only "$tmp/contoso.so" | awk '$2 == "T" {print $3}')
  if [ "$exported" != "omadm_plugin_entry_v1" ]; then
    echo "the plugin exports [$exported], not just its entry point" >&2
    exit 1
  fi
  echo "built $tmp/contoso.so: exports only omadm_plugin_entry_v1, needs no libomadm"
  OMADM_CONTOSO_PLUGIN="$tmp/contoso.so" python3 -B "$src/tests/e2e/test_plugins.py"
  ;;
own-agent)
  # shellcheck disable=SC2086 # flags are word lists
  $cc -std=c11 -Wall -Wextra -Werror -pedantic $cflags_extra $cflags \
    -o "$tmp/own-agent" "$src/tests/oem/own_agent.c" "$src/tests/oem/contoso_settings.c" \
    "$src/tests/oem/contoso_lib.c" $libs $(pkg-config --libs libcurl)
  if ! LD_LIBRARY_PATH="$libdir" ldd "$tmp/own-agent" | grep -q "$libdir/libomadm.so"; then
    echo "own-agent does not use the installed libomadm.so" >&2
    exit 1
  fi
  echo "built $tmp/own-agent against $libdir/libomadm.so"
  LD_LIBRARY_PATH="$libdir" OMADM_OWN_AGENT="$tmp/own-agent" \
    python3 -B "$src/tests/e2e/test_own_agent.py"
  ;;
headers)
  cxx=${OEM_CXX:-}
  if [ -z "$cxx" ]; then
    echo "no C++ compiler (OEM_CXX): cannot check the headers from C++" >&2
    exit 1
  fi
  n=0
  for h in "$incdir"/omadm/*.h; do
    name=$(basename "$h")
    # A declaration after the include: an empty unit is not ISO C.
    printf '#include <omadm/%s>\ntypedef int omadm_header_check_;\n' "$name" >"$tmp/one.c"
    cp "$tmp/one.c" "$tmp/one.cpp"
    # shellcheck disable=SC2086
    $cc -std=c11 -Wall -Wextra -Werror -pedantic $cflags -fsyntax-only "$tmp/one.c"
    # shellcheck disable=SC2086
    $cxx -std=c++11 -Wall -Wextra -Werror -pedantic $cflags -fsyntax-only "$tmp/one.cpp"
    echo "ok: omadm/$name alone, as C11 and as C++11"
    n=$((n + 1))
  done
  [ "$n" -ge 6 ] || { echo "only $n public headers installed" >&2; exit 1; }
  # C linkage from C++: every public function is referenced unmangled.
  fns=$(public_functions)
  {
    echo '#include <omadm/omadm.h>'
    echo 'typedef void (*fn_)();'
    echo 'fn_ omadm_functions_[] = {'
    for f in $fns; do echo "    reinterpret_cast<fn_>(&$f),"; done
    echo '};'
  } >"$tmp/link.cpp"
  # shellcheck disable=SC2086
  $cxx -std=c++11 -Wall -Wextra -Werror $cflags -c -o "$tmp/link.o" "$tmp/link.cpp"
  nm -u "$tmp/link.o" | awk '{print $NF}' | sort -u >"$tmp/undefined"
  for f in $fns; do
    if ! grep -qx "$f" "$tmp/undefined"; then
      echo "C++ does not refer to $f by its C name (missing extern \"C\"?)" >&2
      exit 1
    fi
  done
  echo "ok: $(echo "$fns" | wc -l) public functions have C linkage from C++"
  ;;
abi)
  lib="$libdir/libomadm.so"
  nm -D --defined-only "$lib" | awk 'NF == 3 {print $3}' | sed 's/@.*//' | sort -u >"$tmp/exported"
  public_functions >"$tmp/declared"
  echo "exported by $lib:"
  sed 's/^/  /' "$tmp/exported"
  bad=$(grep -v '^omadm_[a-z]' "$tmp/exported" || true)
  if [ -n "$bad" ]; then
    echo "exported symbols that are not public omadm_ names:" >&2
    echo "$bad" >&2
    exit 1
  fi
  if ! diff -u "$tmp/declared" "$tmp/exported"; then
    echo "exports differ from the functions the public headers declare (- declared, + exported)" >&2
    exit 1
  fi
  # The Windows DLL's export list (.def) names the same functions.
  sed -n 's/^ *\(omadm_[a-z0-9_]*\) *$/\1/p' "$src/omadm/libomadm.def" | sort -u >"$tmp/def"
  if ! diff -u "$tmp/declared" "$tmp/def"; then
    echo "omadm/libomadm.def differs from the functions the public headers declare (- declared, + .def)" >&2
    exit 1
  fi
  echo "ok: $(wc -l <"$tmp/exported") symbols, exactly the public API (and omadm/libomadm.def)"
  ;;
*)
  echo "usage: $0 contoso|plugin|own-agent|headers|abi BUILD_DIR SOURCE_DIR" >&2
  exit 2
  ;;
esac
