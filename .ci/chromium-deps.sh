#!/bin/sh
# Installs Debian's chromium, which the `it` test binary uses to render the HTML report headless
# and check what its views show. Fails loudly when chromium cannot be installed.
set -eu
exec sh "$(dirname "$0")/debian-tool.sh" chromium chromium
