#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the Windows dependencies of omadm-agent (OpenSSL, libxml2, libcurl
# with Schannel, cmocka, inih) for x86_64-w64-mingw32 from Debian source
# packages into a cached prefix, and prints that prefix on stdout.
#
#   sh packaging/windows/build-deps.sh        # progress on stderr
#
# The prefix is ${OMADM_WIN_DEPS:-/var/cache/omadm-agent/mingw}/<key>, where
# <key> hashes this script, the cross compiler's version and the source
# versions actually built; a prefix is complete only once its .stamp exists
# (written last), so an interrupted build is redone, never half-used.
#
# Sources come through apt with a private deb-src list (the system's apt
# configuration is left alone). A security version whose files the mirror
# does not serve yet falls back to the previous version; a package none of
# whose versions in this release downloads falls back to the next release's
# (libinih: bookworm's 55-1 is not served by the mirror here, trixie's is).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
script="$here/build-deps.sh"
root=${OMADM_WIN_DEPS:-/var/cache/omadm-agent/mingw}
host=x86_64-w64-mingw32
jobs=${OMADM_JOBS:-2}
packages="openssl libxml2 curl cmocka libinih"

log() { printf 'build-deps: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in $host-gcc $host-ar apt-get dpkg-source perl make cmake meson ninja flock; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (run sh packaging/setup.sh)"
done

mkdir -p "$root/apt/lists/partial" "$root/src" "$root/logs"
exec 9>"$root/lock"
flock 9 # one build at a time per cache

# --- the private deb-src list, on the mirror the system already uses --------
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
next_release=${OMADM_NEXT_RELEASE:-trixie}
uris=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
  /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -oE 'https?://[^ ]+' || true)
mirror=$(printf '%s\n' "$uris" | grep -E '/debian/?$' | head -n1 | sed 's,/$,,')
security=$(printf '%s\n' "$uris" | grep -E '/debian-security/?$' | head -n1 | sed 's,/$,,')
mirror=${mirror:-http://deb.debian.org/debian}
security=${security:-http://deb.debian.org/debian-security}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$root/apt/sources.list" <<LIST
deb-src [signed-by=$keyring] $mirror $codename main
deb-src [signed-by=$keyring] $mirror $codename-updates main
deb-src [signed-by=$keyring] $security $codename-security main
deb-src [signed-by=$keyring] $mirror $next_release main
LIST
apt_opts="-o Dir::Etc::SourceList=$root/apt/sources.list -o Dir::Etc::SourceParts=/dev/null
  -o Dir::State::Lists=$root/apt/lists -o Acquire::Retries=2"
# shellcheck disable=SC2086
if ! apt-get $apt_opts update >"$root/logs/apt-update.log" 2>&1; then
  ls "$root/apt/lists" | grep -q Sources || { cat "$root/logs/apt-update.log" >&2; die "apt-get update failed"; }
  log "apt-get update failed; using the source index from the last run"
fi

# Versions of a source package, newest first: this release's suites, then
# the next release's.
versions() { # package
  # shellcheck disable=SC2086
  madison=$(apt-cache $apt_opts madison "$1" | grep ' Sources$' || true)
  printf '%s\n' "$madison" | grep -v " $next_release/" | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
    sort -u | sort -r -V
  printf '%s\n' "$madison" | grep " $next_release/" | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
    sort -u | sort -r -V
}

toolchain=$($host-gcc --version | head -n1)
candidates=$( { cat "$script"; echo "$toolchain"; for p in $packages; do echo "$p $(versions "$p" | head -n1)"; done; } |
  sha256sum | cut -c1-16)

stamp_ok() { [ -f "$root/$1/.stamp" ]; }
if [ -f "$root/resolved-$candidates" ]; then
  key=$(cat "$root/resolved-$candidates")
  if stamp_ok "$key"; then
    log "cached: $root/$key ($(tr '\n' ' ' <"$root/$key/.stamp"))"
    echo "$root/$key"
    exit 0
  fi
fi

# --- download (with fallback) -------------------------------------------------
t0=$(date +%s)
chosen=""
for p in $packages; do
  got=""
  for v in $(versions "$p"); do
    # shellcheck disable=SC2086
    if (cd "$root/src" && apt-get $apt_opts source --download-only "$p=$v") \
        >"$root/logs/download-$p.log" 2>&1; then
      got=$v
      break
    fi
    log "$p $v: not downloadable ($(grep -m1 -oE ' [0-9]{3} +[A-Za-z ]+' "$root/logs/download-$p.log" || echo failed)), trying an older version"
  done
  [ -n "$got" ] || { cat "$root/logs/download-$p.log" >&2; die "no version of $p could be downloaded"; }
  chosen="$chosen $p=$got"
done
log "sources:$chosen ($(($(date +%s) - t0))s)"

key=$( { cat "$script"; echo "$toolchain"; echo "$chosen"; } | sha256sum | cut -c1-16)
if stamp_ok "$key"; then
  echo "$key" >"$root/resolved-$candidates"
  log "cached: $root/$key"
  echo "$root/$key"
  exit 0
fi

prefix="$root/$key"
work="$root/build-$key"
rm -rf "$prefix" "$work"
mkdir -p "$prefix" "$work"

# dsc file of the chosen version: epoch-less name as apt stores it.
unpack() { # package
  v=$(printf '%s\n' $chosen | grep "^$1=" | cut -d= -f2 | sed 's/^[0-9]*://')
  dsc="$root/src/${1}_$v.dsc"
  [ -f "$dsc" ] || die "missing $dsc"
  # Extracting applies the Debian patches (security fixes included).
  dpkg-source --no-check -x "$dsc" "$work/$1" >"$root/logs/unpack-$1.log" 2>&1 ||
    { cat "$root/logs/unpack-$1.log" >&2; die "dpkg-source failed for $1"; }
  echo "$work/$1"
}

step() { # name, function
  s=$(date +%s)
  log "building $1..."
  # A subshell outside any condition, so that set -e holds inside it.
  set +e
  (set -e; "$2") >"$root/logs/$1.log" 2>&1
  rc=$?
  set -e
  if [ "$rc" != 0 ]; then
    tail -n 60 "$root/logs/$1.log" >&2
    die "$1 failed (full log: $root/logs/$1.log)"
  fi
  log "$1 done in $(($(date +%s) - s))s"
}

export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig"
unset PKG_CONFIG_PATH

build_openssl() {
  src=$(unpack openssl)
  cd "$src"
  # Static libcrypto + libssl only; no apps, tests, engines or DSO loading.
  ./Configure mingw64 --cross-compile-prefix=$host- --prefix="$prefix" \
    --libdir=lib --openssldir="$prefix/ssl" no-shared no-tests no-dso \
    no-engine no-module no-autoload-config
  make -j"$jobs" build_libs
  make install_dev
}

build_libxml2() {
  src=$(unpack libxml2)
  cd "$src"
  # The Debian patches touch the autotools inputs: regenerate.
  autoreconf -fi
  # Static, UTF-8/16 + Latin-1 only (no iconv), no network code, no python.
  ./configure --host=$host --prefix="$prefix" --disable-shared --enable-static \
    --without-python --without-lzma --without-zlib --without-iconv --without-icu \
    --without-http --without-ftp --without-debug --without-catalog \
    --without-legacy --without-docbook
  make -j"$jobs" libxml2.la
  make install-libLTLIBRARIES install-pkgconfigDATA
  make -C include install
}

build_curl() {
  src=$(unpack curl)
  cd "$src"
  # Static libcurl over Schannel (the Windows certificate store), HTTP(S) only.
  ./configure --host=$host --prefix="$prefix" --disable-shared --enable-static \
    --with-schannel --without-openssl --without-zlib --without-brotli \
    --without-zstd --without-libpsl --without-nghttp2 --without-ngtcp2 \
    --without-libidn2 --without-librtmp --without-libssh2 --without-libgsasl \
    --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
    --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
    --disable-smtp --disable-gopher --disable-mqtt --disable-smb --disable-ftp \
    --disable-file --disable-manual --disable-ntlm --disable-kerberos-auth \
    --disable-negotiate-auth --disable-alt-svc --disable-hsts
  make -j"$jobs" -C lib libcurl.la
  make -C lib install
  make -C include install
  make install-pkgconfigDATA
}

build_cmocka() {
  src=$(unpack cmocka)
  mkdir -p "$work/cmocka-build" && cd "$work/cmocka-build"
  # mingw's C99 printf (%zu in test messages), as the project itself uses.
  cmake "$src" -DCMAKE_SYSTEM_NAME=Windows -DCMAKE_C_COMPILER=$host-gcc \
    -DCMAKE_RC_COMPILER=$host-windres -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS=-D__USE_MINGW_ANSI_STDIO=1 \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF \
    -DUNIT_TESTING=OFF
  make -j"$jobs"
  make install
  # Link the static library under the usual name so test programs need no DLL.
  rm -f "$prefix/lib/libcmocka.dll.a" "$prefix/bin/libcmocka.dll" "$prefix/bin/cmocka.dll"
  mv "$prefix/lib/libcmocka-static.a" "$prefix/lib/libcmocka.a"
  # gcc checks plain printf attributes against msvcrt's printf on mingw;
  # cmocka's messages go through the C99 one: check them as such.
  sed -i 's/__format__ (__printf__, a, b)/__format__ (__gnu_printf__, a, b)/' \
    "$prefix/include/cmocka.h"
  grep -q '__gnu_printf__, a, b' "$prefix/include/cmocka.h"
}

build_libinih() {
  src=$(unpack libinih)
  cat >"$work/inih-cross.txt" <<CROSS
[binaries]
c = '$host-gcc'
ar = '$host-ar'
strip = '$host-strip'
[host_machine]
system = 'windows'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
CROSS
  # The same build options as Debian's libinih (which uses upstream defaults).
  meson setup "$work/inih-build" "$src" --cross-file "$work/inih-cross.txt" \
    --prefix="$prefix" --libdir=lib -Ddefault_library=static -Dwith_INIReader=false
  ninja -C "$work/inih-build" -j"$jobs" install
}

total=$(date +%s)
for p in $packages; do step "$p" "build_$p"; done

# Sanity: everything resolves through pkg-config, static flags included.
for pc in libcrypto libssl libxml-2.0 libcurl cmocka inih; do
  pkg-config --exists "$pc" || die "$pc.pc missing from $prefix"
done
pkg-config --cflags libcurl | grep -q CURL_STATICLIB || die "libcurl.pc lacks -DCURL_STATICLIB"
pkg-config --cflags libxml-2.0 | grep -q LIBXML_STATIC || die "libxml-2.0.pc lacks -DLIBXML_STATIC"

rm -rf "$work" "$prefix/share/man" "$prefix/share/doc"
# Incomplete prefixes of interrupted builds (no stamp) are of no use.
for d in "$root"/*/; do
  d=${d%/}
  case $d in "$root/apt" | "$root/src" | "$root/logs" | "$prefix") continue ;; esac
  [ -f "$d/.stamp" ] || rm -rf "$d"
done
printf '%s\n' $chosen "$toolchain" >"$prefix/.stamp"
echo "$key" >"$root/resolved-$candidates"
log "built $prefix in $(($(date +%s) - total))s"
echo "$prefix"
