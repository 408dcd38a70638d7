#!/bin/sh
# Installs the real haproxy that the `it` test binary uses as a referee, and the curl and
# openssl commands its HTTPS checks use (Debian/Ubuntu).
set -eu
if command -v haproxy >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 \
    && command -v openssl >/dev/null 2>&1; then
    haproxy -v | head -n 1
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy curl openssl
# The package may start a system service; the tests run their own instances.
haproxy -v | head -n 1
