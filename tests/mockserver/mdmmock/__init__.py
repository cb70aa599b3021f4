# SPDX-License-Identifier: Apache-2.0
"""Mock MDM server for omadm-agent tests (Python standard library only).

Independent of libomadm on purpose: a codec bug in the agent cannot hide
itself behind the same codec on the server side. See ../README.md.
"""
