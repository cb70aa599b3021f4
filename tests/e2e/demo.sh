#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The README demo: builds the agent (gcc), then a fresh device enrolls and the restart story runs
# against the mock MDM server with the simulated platform.
set -eu
cd "$(dirname "$0")/../.."
dir=build/gcc
if [ ! -f "$dir/build.ninja" ]; then
  # the test build's tree (run-all.sh shares it): hooks on, as tests need
  CC=gcc meson setup "$dir" --buildtype=debugoptimized -Dtest_hooks=true >/dev/null
fi
meson compile -C "$dir" agent/omadm-agent >/dev/null
OMADM_AGENT="$dir/agent/omadm-agent" exec /usr/bin/python3 tests/e2e/demo.py
