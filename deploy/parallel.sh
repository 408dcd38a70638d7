#!/usr/bin/env bash
# Runs one contrail-sim sweep or test as N partitions with GNU parallel, on this machine or on
# ssh hosts, keeps each partition's output and exits with the worst exit status.
#
#   deploy/parallel.sh [-n N] [-j JOBS] [-S SSHLOGINS] [-o OUTDIR] [-b BIN] -- ARGS...
#
#   ARGS        contrail-sim's own arguments: `sweep FILE --seeds A..B [...]` or
#               `test PATH... [...]`; the script adds `--partition K/N` for K = 1..N.
#   -n N        partitions (default: 4)
#   -j JOBS     partitions run at once on each machine (default: GNU parallel's, one per core)
#   -S LOGINS   GNU parallel's --sshlogin list, e.g. `host1,4/host2` (`:` is this machine).
#               Each host needs GNU parallel, contrail-sim (or BIN) and the same checkout of
#               the scenario files at the same path relative to the home directory.
#   -o OUTDIR   where partition K's stdout (part-K), stderr (part-K.err) and GNU parallel's job
#               log (joblog) go, replacing earlier ones (default: a new folder under /tmp)
#   -b BIN      the contrail-sim to run (default: contrail-sim on the PATH)
#
# Exit status: the largest of the partitions' (0 all passed, 1 an expectation failed, 2 invalid
# input); 3 when a partition did not run or was killed, or for a usage error.
set -euo pipefail

n=4 jobs="" logins="" out="" bin=contrail-sim
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2; exit 3; }
while getopts "n:j:S:o:b:h" opt; do
    case "$opt" in
        n) n=$OPTARG ;;
        j) jobs=$OPTARG ;;
        S) logins=$OPTARG ;;
        o) out=$OPTARG ;;
        b) bin=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || usage
case "$n" in ''|*[!0-9]*|0) echo "error: -n must be a number of partitions, 1 or more" >&2; exit 3 ;; esac
command -v parallel >/dev/null 2>&1 || { echo "error: GNU parallel is not installed (Debian: apt-get install parallel)" >&2; exit 3; }
[ -n "$out" ] || out=$(mktemp -d /tmp/contrail-sim-partitions.XXXXXX)
mkdir -p "$out"
rm -f "$out"/part-* "$out/joblog"

opts=(--joblog "$out/joblog" --results "$out/part-{}")
[ -n "$jobs" ] && opts+=(--jobs "$jobs")
[ -n "$logins" ] && opts+=(--sshlogin "$logins" --workdir .)

# GNU parallel runs the command through a shell: quote every argument.
cmd=$(printf '%q ' "$bin" "$@")
status=0
parallel "${opts[@]}" "$cmd--partition {}/$n" ::: $(seq 1 "$n") || status=$?

# GNU parallel's own exit status counts failed jobs; the partitions' statuses are in the log.
worst=$(awk -F'\t' 'NR > 1 { if ($8 != 0 || $7 < 0 || $7 > 2) bad = 1; else if ($7 > w) w = $7 }
                    END { print (bad ? 3 : w + 0) }' "$out/joblog")
ran=$(awk 'END { print NR - 1 }' "$out/joblog")
if [ "$ran" -ne "$n" ]; then
    echo "error: $ran of $n partitions ran (GNU parallel exited $status)" >&2
    worst=3
fi
passed=0 failed=0 counted=0
for k in $(seq 1 "$n"); do
    last=$(tail -n 1 "$out/part-$k" 2>/dev/null || true)
    echo "partition $k/$n: ${last:-no output}"
    if [[ $last =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
        counted=$((counted + 1))
    fi
done
[ "$counted" -eq "$n" ] && echo "all partitions: $passed passed, $failed failed"
echo "outputs: $out/part-K (stdout), $out/part-K.err (stderr), $out/joblog"
exit "$worst"
