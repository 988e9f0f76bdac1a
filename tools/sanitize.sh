#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer (with LeakSanitizer) and ThreadSanitizer.
#
#   tools/sanitize.sh [address|thread|all]      (default: all)
#
# Each sanitizer builds into its own scratch folder (.build/sanitize-NAME), so the normal
# debug build is left alone. The full log goes to .build/sanitize/NAME.log; one summary line per
# run is printed and appended to .build/sanitize/results.tsv:
#   date  sanitizer  exit-status  tests  failed-tests  sanitizer-reports  build-seconds  test-seconds
# A run is clean when the exit status is 0 and no sanitizer report appears in the log.
# Takes about 15 (address) and 25 (thread) minutes on 2 cores. Tests that need the datasets read
# GANKIT_DATA (default ../shared/data), as in a plain `swift test`.
set -uo pipefail
cd "$(dirname "$0")/.."

which=${1:-all}
case "$which" in
    address|thread) sanitizers=("$which") ;;
    all) sanitizers=(address thread) ;;
    *) echo "usage: tools/sanitize.sh [address|thread|all]" >&2; exit 2 ;;
esac

mkdir -p .build/sanitize
results=.build/sanitize/results.tsv
status=0
for s in "${sanitizers[@]}"; do
    log=.build/sanitize/$s.log
    scratch=.build/sanitize-$s
    echo "== $s: building into $scratch" >&2
    t0=$(date +%s)
    if ! swift build --build-tests --sanitize="$s" --scratch-path "$scratch" > "$log" 2>&1; then
        echo "$s: build failed, see $log" >&2
        tail -20 "$log" >&2
        status=1
        continue
    fi
    t1=$(date +%s)
    echo "== $s: testing (log: $log)" >&2
    # ThreadSanitizer keeps going after a report (halt_on_error=0) so that every race lands in the log.
    # Leaks inside the toolchain's own libraries are suppressed (tools/lsan-suppressions.txt says which).
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tools/lsan-suppressions.txt} \
    TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0} \
        swift test --skip-build --sanitize="$s" --scratch-path "$scratch" >> "$log" 2>&1
    rc=$?
    t2=$(date +%s)
    tests=$(grep -Eo 'Test run with [0-9]+ tests?' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
    failed=$(grep -E '^✘ Test ' "$log" | grep -v '^✘ Test run' | grep -c 'failed after' || true)
    reports=$(grep -Ec 'ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer' "$log" || true)
    line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$(date -u +%Y-%m-%dT%H:%MZ)" "$s" "$rc" "$tests" "$failed" "$reports" $((t1 - t0)) $((t2 - t1)))
    echo "$line" >> "$results"
    echo "$s: exit $rc, $tests tests, $failed failed, $reports sanitizer reports (build $((t1 - t0)) s, tests $((t2 - t1)) s)" >&2
    if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ]; then status=1; fi
done
exit $status
