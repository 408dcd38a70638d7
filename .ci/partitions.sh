#!/usr/bin/env bash
# Runs a sweep and `test scenarios/` split into partitions with GNU parallel (the form
# deploy/parallel.sh ships, locally and through --sshlogin ':'), and checks that the
# partitions' union is the unpartitioned run: the same seeds and files, none twice, the same
# verdicts. Installs Debian's `parallel` when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v parallel >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends parallel
fi
if ! parallel --version 2>/dev/null | grep -q "GNU parallel"; then
    echo "partitions: FAILED: GNU parallel is not installed and could not be installed" >&2
    exit 1
fi

cargo build --locked --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/contrail-sim"
work=$(mktemp -d /tmp/contrail-sim-ci-partitions.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "partitions: FAILED: $*" >&2; exit 1; }
# Whether two files are equal; the start of their difference on stderr when not.
same() { diff "$1" "$2" >"$work/diff" || { head -c 3000 "$work/diff" >&2; return 1; }; }

# `status_of ALLOWED OUT CMD...`: runs CMD with its stdout in OUT; prints its exit status,
# which must be one of ALLOWED.
status_of() {
    local allowed=$1 out=$2 status=0
    shift 2
    "$@" >"$out" || status=$?
    case " $allowed " in *" $status "*) echo "$status" ;; *) fail "exit $status from: $*" ;; esac
}

# A sweep whose answer depends on the seed (haproxy placement): some seeds fail (exit 1).
sweep=(sweep scenarios/ingress-simple-fanout.yaml --seeds 1..12 --format jsonl)
whole=$(status_of "0 1" "$work/sweep.jsonl" "$bin" "${sweep[@]}" --jobs 2)
parts=$(status_of "0 1" "$work/sweep.log" deploy/parallel.sh -n 5 -j 2 -b "$bin" -o "$work/sweep" -- "${sweep[@]}")
[ "$whole" = "$parts" ] || fail "sweep: exit $whole unpartitioned, $parts partitioned"
grep '"type":"seed"' "$work/sweep.jsonl" | LC_ALL=C sort >"$work/sweep.whole"
for k in 1 2 3 4 5; do cat "$work/sweep/part-$k"; done | grep '"type":"seed"' | LC_ALL=C sort >"$work/sweep.union"
[ "$(wc -l <"$work/sweep.whole")" -eq 12 ] || fail "sweep: expected 12 seed records"
same "$work/sweep.whole" "$work/sweep.union" || fail "sweep: the partitions' seeds differ from the whole run's"

# `test scenarios/`, partitions through GNU parallel's --sshlogin (':' is this machine).
verdicts() { cat "$@" | grep -E '^(ok|FAILED|INVALID) ' | LC_ALL=C sort; }
whole=$(status_of "0 1 2" "$work/test.txt" "$bin" test scenarios/)
parts=$(status_of "0 1 2" "$work/test.log" deploy/parallel.sh -n 3 -S 2/: -b "$bin" -o "$work/test" -- test scenarios/)
[ "$whole" = "$parts" ] || fail "test: exit $whole unpartitioned, $parts partitioned"
verdicts "$work/test.txt" >"$work/test.whole"
verdicts "$work/test/part-1" "$work/test/part-2" "$work/test/part-3" >"$work/test.union"
[ -s "$work/test.whole" ] || fail "test: no verdicts"
same "$work/test.whole" "$work/test.union" || fail "test: the partitions' files differ from the whole run's"

echo "partitions: the union of the partitions equals the whole run" \
    "($(wc -l <"$work/sweep.whole") seeds in 5 partitions, $(wc -l <"$work/test.whole") files in 3)"
