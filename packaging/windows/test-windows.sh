#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Windows tier of the default test run (tests/run-all.sh calls it unless
# OMADM_SKIP_WINDOWS=1): builds the mingw dependencies (or reuses the cache),
# cross-builds everything for x86_64-w64-mingw32, runs every unit test under
# wine through `meson test`, then the service test, then builds the MSI.
#
# Build tree: build/win64; wine prefix: build/wine (made anew each run, the
# service test needs a clean machine). OMADM_WIN_DEPS moves the dependency
# cache (default /var/cache/omadm-agent/mingw).
set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
started=$(date +%s)
say() { printf 'windows: %s (%ss)\n' "$*" "$(($(date +%s) - started))"; }

prefix=$(sh packaging/windows/build-deps.sh)
say "dependencies ready in $prefix"

dir=$top/build/win64
# Set up anew when the dependencies or the cross files change.
stamp="$prefix $(cat packaging/windows/cross-x86_64-w64-mingw32.txt packaging/windows/cross-prefix.sh | sha256sum | cut -c1-16)"
if [ ! -f "$dir/build.ninja" ] || [ "$(cat "$dir/.omadm-deps" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$dir"
  mkdir -p "$top/build"
  sh packaging/windows/cross-prefix.sh "$prefix" >"$top/build/win64-deps.txt"
  meson setup "$dir" --cross-file "$top/packaging/windows/cross-x86_64-w64-mingw32.txt" \
    --cross-file "$top/build/win64-deps.txt" --buildtype=debugoptimized -Dwerror=true \
    -Dtest_hooks=true >/dev/null
  echo "$stamp" >"$dir/.omadm-deps"
fi
meson compile -C "$dir"
say "cross-built"

# A fresh wine prefix, with its server kept alive for the whole run (services
# under wine stop when the last client leaves otherwise).
export WINEPREFIX="$top/build/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wineserver -k 2>/dev/null || true
rm -rf "$WINEPREFIX"
wineboot -i >/dev/null 2>&1
# No just-in-time debugger: with winedbg a crashed program exits with 0 and
# a crashing test would pass.
wine reg add 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug' \
  /v Debugger /d '' /f >/dev/null 2>&1
wineserver -w
wineserver -p
trap 'wineserver -k 2>/dev/null || true' EXIT
# Start wine's system processes (services.exe, explorer...) now: started by
# a test they would inherit its output pipes and meson would wait for them
# until the test's timeout. Their wine debug output (and the service's, which inherits it) goes to
# wine-system.log with the channels the service test reads: fixme+advapi
# (InitiateShutdownW's arguments) and +eventlog (ReportEventW's strings).
WINEDEBUG=-all,fixme+advapi,+eventlog wine cmd /c exit </dev/null >/dev/null \
  2>"$top/build/wine-system.log"
say "wine prefix ready"

# The mock server's own tests are Python on the host: the Linux tiers run them.
meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier 3 \
  --no-suite mockserver
say "unit tests passed under wine"

# The MSI: the agent program (static, stripped) with its service, from a
# release build without test hooks (the tests above needed them).
if [ ! -f "$dir/agent/omadm-agent.exe" ]; then
  say "FAIL: $dir/agent/omadm-agent.exe was not built: no MSI and no service test"
  exit 1
fi
rel=$top/build/win64-release
if [ ! -f "$rel/build.ninja" ] || [ "$(cat "$rel/.omadm-deps" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$rel"
  meson setup "$rel" --cross-file "$top/packaging/windows/cross-x86_64-w64-mingw32.txt" \
    --cross-file "$top/build/win64-deps.txt" --buildtype=release -Doptimization=2 -Dwerror=true -Dtests=false \
    -Dtest_hooks=false >/dev/null
  echo "$stamp" >"$rel/.omadm-deps"
fi
meson compile -C "$rel" agent/omadm-agent agent/omadm-agent-msi
agent="$rel/agent/omadm-agent.exe"
if grep -q OMADM_CRASH_AT "$agent"; then
  echo "FAIL: the packaged $agent contains the crash-injection hook" >&2
  exit 1
fi
say "release agent built without test hooks"
version=$(meson introspect --projectinfo "$dir" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
mkdir -p "$dir/msi"
x86_64-w64-mingw32-strip -o "$dir/msi/omadm-agent.exe" "$agent"
# The program carries its VERSIONINFO (packaging/windows/versioninfo.rc.in).
/usr/bin/python3 - "$dir/msi/omadm-agent.exe" "$version" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
for text in ("VS_VERSION_INFO", "FileVersion", "ProductVersion", sys.argv[2] + ".0"):
    if text.encode("utf-16-le") not in data:
        sys.exit("windows: no %r in the program's VERSIONINFO" % text)
PY
# Authenticode with a throwaway certificate (packaging/windows/sign.sh; a
# release passes its own): the program before it goes into the MSI, then
# the MSI. sign.sh verifies each signature with osslsigncode.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/msi/sign.key" -out "$dir/msi/sign.pem" \
  -days 2 -subj "/CN=omadm-agent throwaway test signing" \
  -addext "extendedKeyUsage=codeSigning" 2>/dev/null
# The MSI's validation custom action (agent/msi_check_win32.c), signed too.
x86_64-w64-mingw32-strip -o "$dir/msi/omadm-agent-msi.dll" "$rel/agent/omadm-agent-msi.dll"
sh packaging/windows/sign.sh "$dir/msi/sign.pem" "$dir/msi/sign.key" "$dir/msi/omadm-agent.exe"
sh packaging/windows/sign.sh "$dir/msi/sign.pem" "$dir/msi/sign.key" "$dir/msi/omadm-agent-msi.dll"
sh packaging/windows/build-msi.sh "$dir/msi/omadm-agent.exe" "$version" "$dir/omadm-agent.msi"
sh packaging/windows/sign.sh "$dir/msi/sign.pem" "$dir/msi/sign.key" "$dir/omadm-agent.msi"
say "MSI built and signed: $dir/omadm-agent.msi ($(du -k "$dir/omadm-agent.msi" | cut -f1) KiB)"
# The SDK archive (headers, libomadm-0.dll, import library, .def), checked
# by building a plugin DLL and a program from it alone.
OMADM_SIGN_CERT="$dir/msi/sign.pem" OMADM_SIGN_KEY="$dir/msi/sign.key" \
  sh packaging/windows/make-sdk.sh "$dir" "$dir/omadm-sdk.zip"
say "SDK built: $dir/omadm-sdk.zip"
# The DLL carries its VERSIONINFO as the program does (versioninfo.rc.in).
/usr/bin/python3 - "$dir/omadm/sdk/libomadm-0.dll" "$version" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
for text in ("VS_VERSION_INFO", "FileVersion", "libomadm-0.dll", sys.argv[2] + ".0"):
    if text.encode("utf-16-le") not in data:
        sys.exit("windows: no %r in the DLL's VERSIONINFO" % text)
PY
say "libomadm-0.dll carries VERSIONINFO $version.0"
# The Contoso plugin as a DLL from that SDK, loaded by the agent under wine.
/usr/bin/python3 packaging/windows/test_plugin_wine.py --exe "$agent" \
  --sdk "$dir/omadm-sdk.zip" --source-root "$top"
say "plugin DLL test passed under wine"

work="$top/build/win-service-test"
rm -rf "$work"
/usr/bin/python3 packaging/windows/test_service.py --msi "$dir/omadm-agent.msi" \
  --exe "$dir/msi/omadm-agent.exe" --import-pfx "$dir/platform/win32/tests/import-pfx.exe" \
  --cert-in-store "$dir/platform/win32/tests/cert-in-store.exe" \
  --system-log "$top/build/wine-system.log" --sdk "$dir/omadm-sdk.zip" \
  --source-root "$top" --work "$work"
say "service test passed under wine"
# Certificate renewal with the certificate and key in LocalMachine\MY.
/usr/bin/python3 packaging/windows/test_renew_wine.py --exe "$dir/msi/omadm-agent.exe" \
  --cert-in-store "$dir/platform/win32/tests/cert-in-store.exe" --source-root "$top" \
  --work "$top/build/win-renew-test"
say "certificate renewal test passed under wine"
