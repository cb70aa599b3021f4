#!/bin/sh
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
    --cross-file "$top/build/win64-deps.txt" --buildtype=debugoptimized -Dwerror=true >/dev/null
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

# The MSI: the agent program (static, stripped) with its service.
agent="$dir/agent/omadm-agent.exe"
if [ ! -f "$agent" ]; then
  say "FAIL: $agent was not built: no MSI and no service test"
  exit 1
fi
version=$(meson introspect --projectinfo "$dir" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
mkdir -p "$dir/msi"
x86_64-w64-mingw32-strip -o "$dir/msi/omadm-agent.exe" "$agent"
# wixl takes sources relative to the working directory (the checkout).
wixl -a x64 -D Version="$version" -D AgentExe="build/win64/msi/omadm-agent.exe" \
  -o "$dir/omadm-agent.msi" packaging/windows/omadm-agent.wxs
say "MSI built: $dir/omadm-agent.msi ($(du -k "$dir/omadm-agent.msi" | cut -f1) KiB)"

work="$top/build/win-service-test"
rm -rf "$work"
/usr/bin/python3 packaging/windows/test_service.py --msi "$dir/omadm-agent.msi" \
  --exe "$dir/msi/omadm-agent.exe" --import-pfx "$dir/platform/win32/tests/import-pfx.exe" \
  --system-log "$top/build/wine-system.log" --source-root "$top" --work "$work"
say "service test passed under wine"
