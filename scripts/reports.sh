#!/usr/bin/env bash
# Regenerates reports/: for every scenario under scenarios/, `contrail-sim run FILE --report
# reports/NAME` (the page index.html, the text NAME.txt and the SVG charts).
#   bash scripts/reports.sh          rewrite reports/
#   bash scripts/reports.sh --check  regenerate into a temporary folder; fail when reports/ differs
# Every shipped scenario must pass: a failed expectation stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
case "${1:-}" in
    --check) check=true ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
cargo build --locked --quiet
bin="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/debug/contrail-sim"
out=reports
if $check; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
    cp reports/README.md "$out/"
fi
for scenario in scenarios/*.yaml; do
    name="$(basename "$scenario" .yaml)"
    rm -rf "${out:?}/$name"
    "$bin" run "$scenario" --report "$out/$name" >/dev/null
done
if $check; then
    if ! diff -r reports "$out" >/dev/null; then
        diff -rq reports "$out" >&2 || true
        echo "error: reports/ is stale: regenerate it with bash scripts/reports.sh" >&2
        exit 1
    fi
    echo "reports/ is up to date ($(ls -d reports/*/ | wc -l) scenarios)"
fi
