#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Windows SDK archive: headers, libomadm-0.dll, its import library and
# the .def that controls its exports, plus omadm.pc; for OEMs who write
# plugins (omadm/plugin.h, built as DLLs into <install dir>\csp) or their
# own agent (omadm/device.h).
#
#   make-sdk.sh BUILD_DIR OUT.zip      (BUILD_DIR: the mingw cross build)
#   OMADM_SIGN_CERT=PEM OMADM_SIGN_KEY=KEY make-sdk.sh ...   signs the DLL
#
# Then checks the archive as an OEM would use it: builds the Contoso example
# plugin (tests/oem) as a DLL from the unpacked headers alone (it must
# export its entry point and import nothing from libomadm; mingw exports
# every global of a DLL without dllexport attributes, which is harmless),
# and links a program against the import library.
set -eu
build=$1
out=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/omadm-sdk.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
root="$tmp/omadm-sdk"
mkdir -p "$root/include/omadm" "$root/bin" "$root/lib/pkgconfig"
cp "$src"/omadm/include/omadm/*.h "$build/omadm/include/omadm/version.h" "$root/include/omadm/"
x86_64-w64-mingw32-strip -o "$root/bin/libomadm-0.dll" "$build/omadm/sdk/libomadm-0.dll"
# Authenticode when the builder gives a certificate and key (sign.sh also
# verifies the signature).
if [ -n "${OMADM_SIGN_CERT:-}" ]; then
  sh "$src/packaging/windows/sign.sh" "$OMADM_SIGN_CERT" "$OMADM_SIGN_KEY" "$root/bin/libomadm-0.dll"
fi
cp "$build/omadm/sdk/libomadm.dll.a" "$src/omadm/libomadm.def" "$root/lib/"
sed -e 's|^prefix=.*|prefix=${pcfiledir}/../..|' "$build/meson-private/omadm.pc" \
  >"$root/lib/pkgconfig/omadm.pc"
for f in include/omadm/omadm.h include/omadm/plugin.h include/omadm/device.h \
  bin/libomadm-0.dll lib/libomadm.dll.a lib/libomadm.def; do
  [ -s "$root/$f" ] || { echo "make-sdk: $f missing" >&2; exit 1; }
done
rm -f "$out"
(cd "$tmp" && /usr/bin/python3 -m zipfile -c "$out.tmp" omadm-sdk)
mv "$out.tmp" "$out"
echo "make-sdk: $out ($(/usr/bin/python3 -m zipfile -l "$out" | tail -n +2 | wc -l) files)"

# The OEM's view: only the unpacked archive.
mkdir "$tmp/check"
(cd "$tmp/check" && /usr/bin/python3 -m zipfile -e "$out" .)
sdk="$tmp/check/omadm-sdk"
cc=x86_64-w64-mingw32-gcc
$cc -std=c11 -Wall -Wextra -Werror -pedantic -shared -I"$sdk/include" -DOMADM_API= \
  -o "$tmp/check/contoso.dll" "$src/tests/oem/contoso_plugin.c" "$src/tests/oem/contoso_settings.c"
exports=$(x86_64-w64-mingw32-objdump -p "$tmp/check/contoso.dll" |
  sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | awk 'NF >= 2 {print $NF}' | grep -v Table)
if ! echo "$exports" | grep -qx omadm_plugin_entry_v1; then
  echo "make-sdk: the plugin DLL does not export omadm_plugin_entry_v1" >&2
  exit 1
fi
if x86_64-w64-mingw32-objdump -p "$tmp/check/contoso.dll" | grep -qi 'DLL Name: libomadm'; then
  echo "make-sdk: the plugin DLL imports libomadm-0.dll" >&2
  exit 1
fi
printf '#include <omadm/omadm.h>\nint main(void) { return omadm_version_number() == OMADM_VERSION_NUMBER ? 0 : 1; }\n' \
  >"$tmp/check/v.c"
$cc -std=c11 -Wall -Werror -I"$sdk/include" -DOMADM_API= -o "$tmp/check/v.exe" "$tmp/check/v.c" \
  -L"$sdk/lib" -lomadm
x86_64-w64-mingw32-objdump -p "$tmp/check/v.exe" | grep -q 'DLL Name: libomadm-0.dll' ||
  { echo "make-sdk: a program linked with the import library does not use libomadm-0.dll" >&2; exit 1; }
echo "make-sdk: checked: the plugin DLL builds from the headers alone (exports" \
  "omadm_plugin_entry_v1, imports no libomadm), a program links libomadm-0.dll through" \
  "the import library"
