#!/bin/sh
# Installs a Debian package for a program the tests need, unless the program is already there:
#   sh .ci/debian-tool.sh COMMAND PACKAGE
# Fails loudly when it cannot be installed (Debian/Ubuntu, root or sudo).
set -eu
command="$1"
package="$2"
if ! command -v "$command" >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: $command is missing and apt-get is not available to install it" >&2
        exit 1
    fi
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package"
    if ! command -v "$command" >/dev/null 2>&1; then
        echo "error: $command is still missing after installing the $package package" >&2
        exit 1
    fi
fi
"$command" --version 2>/dev/null | head -n 1
