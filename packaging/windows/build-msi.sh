#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# build-msi.sh EXE VERSION OUT.msi
#
# The MSI from packaging/windows/omadm-agent.wxs with wixl, then the File
# table's Version column set to VERSION (X.Y.Z, written X.Y.Z.0 as in the
# program's VERSIONINFO): wixl leaves it empty, and Windows Installer's file
# versioning rules (an upgrade replaces an older program) need it.
# Environment: OMADM_MSI_PUBLISHER (Add/Remove Programs' publisher, default
# "omadm-agent project"), OMADM_MSI_HELPLINK (its help and about link; set
# it to the distributor's support page).
# The validation custom action omadm-agent-msi.dll must lie next to EXE.
set -eu
if [ $# -ne 3 ]; then
  echo "usage: $0 EXE VERSION OUT.msi" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
exedir=$(cd "$(dirname "$1")" && pwd)
exe=$(basename "$1")
version=$2
out=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
publisher=${OMADM_MSI_PUBLISHER:-omadm-agent project}
help=${OMADM_MSI_HELPLINK:-https://omadm-agent.invalid/support}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/omadm-msi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ ! -f "$exedir/omadm-agent-msi.dll" ]; then
  echo "$0: $exedir/omadm-agent-msi.dll (the MSI's validation custom action) is missing" >&2
  exit 1
fi
# wixl takes sources relative to the working directory.
(cd "$exedir" && wixl -a x64 -D Version="$version" -D AgentExe="$exe" \
  -D Publisher="$publisher" -D HelpLink="$help" -o "$out" "$here/omadm-agent.wxs")
# The properties an administrator or an MST sets, declared secure (see the
# .wxs): appended to the SecureCustomProperties row wixl wrote.
public="SERVERURL;DEVICEID;CERT;CA;LOGLEVEL;PROXY;POLLINTERVAL;STARTSERVICE;ENROLLURL;ENROLLUSER;ENROLLSECRET;ENROLLTOKEN"
msiinfo export "$out" Property >"$tmp/Property.idt"
awk -F '\t' -v OFS='\t' -v p="$public" \
  '{ sub(/\r$/, "") } NR > 3 && $1 == "SecureCustomProperties" { $2 = $2 ";" p; found = 1 } { print }
   END { if (!found) print "SecureCustomProperties", p }' "$tmp/Property.idt" >"$tmp/Property.new"
mv "$tmp/Property.new" "$tmp/Property.idt"
msiinfo export "$out" File >"$tmp/File.idt"
# Rows start on line 4 (names, types, table name); Version is column 5.
awk -F '\t' -v OFS='\t' -v v="$version.0" 'NR > 3 && NF >= 5 { $5 = v } { print }' \
  "$tmp/File.idt" >"$tmp/File.new"
mv "$tmp/File.new" "$tmp/File.idt"
# The configure action's command line carries ENROLLSECRET/ENROLLTOKEN:
# msidbCustomActionTypeHideTarget (0x2000) keeps it out of the log; wixl
# 0.101 reads HideTarget="yes" but does not set the bit.
msiinfo export "$out" CustomAction >"$tmp/CustomAction.idt"
awk -F '\t' -v OFS='\t' '{ sub(/\r$/, "") }
   NR > 3 && $1 == "ConfigureAgent" && int($2 / 8192) % 2 == 0 { $2 = $2 + 8192 } { print }' \
  "$tmp/CustomAction.idt" >"$tmp/CustomAction.new"
mv "$tmp/CustomAction.new" "$tmp/CustomAction.idt"
(cd "$tmp" && msibuild "$out" -i File.idt && msibuild "$out" -i Property.idt &&
  msibuild "$out" -i CustomAction.idt)
