#!/bin/sh
# Installs Debian's tshark, which the `it` test binary uses to decode `run --pcap` captures
# (Debian/Ubuntu). Non-interactive: wireshark-common's question about letting non-root users
# capture is answered "no" beforehand. Fails loudly when tshark cannot be installed.
set -eu
if command -v tshark >/dev/null 2>&1; then
    tshark --version | head -n 1
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: tshark is missing and apt-get is not available to install it" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tshark
if ! command -v tshark >/dev/null 2>&1; then
    echo "error: tshark is still missing after installing the tshark package" >&2
    exit 1
fi
tshark --version | head -n 1
