#!/bin/sh
# Installs Debian's tshark, which the `it` test binary uses to decode `run --pcap` captures
# (Debian/Ubuntu). Non-interactive: wireshark-common's question about letting non-root users
# capture is answered "no" beforehand. Fails loudly when tshark cannot be installed.
set -eu
if ! command -v tshark >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
fi
exec sh "$(dirname "$0")/debian-tool.sh" tshark tshark
