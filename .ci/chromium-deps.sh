#!/bin/sh
# Installs Debian's chromium, which the `it` test binary uses to render the HTML report headless
# and check what its views show (Debian/Ubuntu). Fails loudly when chromium cannot be installed.
set -eu
if command -v chromium >/dev/null 2>&1; then
    chromium --version 2>/dev/null | head -n 1
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: chromium is missing and apt-get is not available to install it" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
if ! command -v chromium >/dev/null 2>&1; then
    echo "error: chromium is still missing after installing the chromium package" >&2
    exit 1
fi
chromium --version 2>/dev/null | head -n 1
