#!/usr/bin/env bash
# Fuzzing of GANKit's readers with libFuzzer (reliability issue 8; docs/RELIABILITY.md).
#
#   tools/fuzz.sh TARGET MINUTES          build TARGET, seed its corpus, fuzz for MINUTES, record a summary
#   tools/fuzz.sh --replay TARGET FILE... run TARGET once on each FILE (a crash reproduces; exit 0 = all fine)
#   tools/fuzz.sh --minimize TARGET FILE  shrink a crashing input (-minimize_crash=1) to FILE.min
#
# Targets live in tools/fuzz (a package of their own, never built by CI).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
FUZZ_PACKAGE=$REPO/tools/fuzz
TARGETS=(image mask safetensors pth manifest)

usage() {
    cat <<EOF
usage: tools/fuzz.sh TARGET MINUTES
       tools/fuzz.sh --replay TARGET FILE...
       tools/fuzz.sh --minimize TARGET FILE

Fuzzes one of GANKit's readers with libFuzzer (swiftc -sanitize=fuzzer,address): builds the
target in tools/fuzz (release), prepares its seed corpus, runs for MINUTES (decimals allowed),
then prints and appends one summary line to the results file.

targets:
  image        bytes -> Image(bytes:) (PNG or JPEG by content, EXIF orientation), header, re-encode
  mask         bytes -> image -> Mask(image:), Mask(alphaOf:), size check, InpaintJob.loadMask
  safetensors  bytes -> SafeTensors.read(bytes:), StateDict(bytes:), encode round trip
  pth          bytes -> TorchCheckpoint.read(bytes:) (zip and legacy .pth), StateDict(bytes:)
  manifest     bytes -> TranslationManifest(jsonBytes:) and ConditionalGANTrainer.readState(bytes:)

limits per input: -timeout=1 (s), -rss_limit_mb=512, -malloc_limit_mb=512; leak detection on;
ASan's quarantine is cut to 64 MB so that the RSS limit measures the input, not ASan's cache.
Images are decoded with DecodeOptions(maxPixels: 1048576) (tools/fuzz/Sources/FuzzSupport).

environment:
  GANKIT_DATA   datasets (default: ../shared/data beside the repository); the image and mask
                targets are seeded from its pngsuite/, jpeg-corpus/ (and inpaint-examples/ masks).
                Missing: a warning, and the corpus comes from the repository's fixtures only.
  FUZZ_WORK     work folder (default: .build/fuzz); TARGET's corpus, seeds, artifacts (crash-*,
                leak-*, timeout-*, oom-*) and logs go to FUZZ_WORK/TARGET, the summary lines to
                FUZZ_WORK/results.tsv (or FUZZ_RESULTS). The corpus grows from run to run.
  FUZZ_ARGS     extra libFuzzer flags, e.g. FUZZ_ARGS="-jobs=2 -workers=2" or "-seed=1"
                 "-fork=1 -ignore_timeouts=1" keeps going past a timeout (each is re-measured alone at the end)
  FUZZ_NO_BUILD=1  skip the build (use the binary already in tools/fuzz/.build/release)

results.tsv columns: date target minutes executions exec_per_s corpus coverage peak_rss_mb
crashes leaks timeouts ooms exit log

A finding stops the run (libFuzzer's default). Minimize it (--minimize), fix the bug, then put
the minimized input in Fixtures/fuzz/TARGET/: FuzzRegressionTests feeds every file there to its
reader in 'swift test'.
EOF
}

die() { echo "fuzz.sh: $*" >&2; exit 2; }

is_target() { local t; for t in "${TARGETS[@]}"; do [[ $t == "$1" ]] && return 0; done; return 1; }

build() {
    local target=$1
    if [[ ${FUZZ_NO_BUILD:-0} == 1 ]]; then return; fi
    echo "fuzz.sh: building $target (release, -sanitize=fuzzer,address)" >&2
    # SwiftPM does not notice a source file added to the root package (a path dependency here)
    # until this package's manifest changes: touching it makes the build plan see new files.
    touch "$FUZZ_PACKAGE/Package.swift"
    (cd "$FUZZ_PACKAGE" && swift build -c release --product "$target" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link,address) >&2
}

binary() {
    local bin=$FUZZ_PACKAGE/.build/release/$1
    [[ -x $bin ]] || die "no fuzz binary at $bin (build failed, or FUZZ_NO_BUILD=1 without a build)"
    echo "$bin"
}

asan_options() {
    # User settings come last so that they win.
    echo "detect_leaks=1:quarantine_size_mb=64:malloc_context_size=20:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
}

LIMITS=(-timeout=1 -rss_limit_mb=512 -malloc_limit_mb=512)
# Swift's own crash backtracer takes the trap signal before libFuzzer and, under ASan, can hang
# (seen with swift-backtrace waiting for ever): off, so that libFuzzer saves the crashing input.
export SWIFT_BACKTRACE=enable=no

case ${1:-} in
-h | --help) usage; exit 0 ;;
--replay)
    [[ $# -ge 3 ]] || { usage >&2; exit 2; }
    is_target "$2" || die "unknown target '$2' (targets: ${TARGETS[*]})"
    build "$2"
    ASAN_OPTIONS=$(asan_options) "$(binary "$2")" "${LIMITS[@]}" "${@:3}"
    exit $? ;;
--minimize)
    [[ $# -eq 3 ]] || { usage >&2; exit 2; }
    is_target "$2" || die "unknown target '$2' (targets: ${TARGETS[*]})"
    [[ -f $3 ]] || die "no such file: $3"
    build "$2"
    ASAN_OPTIONS=$(asan_options) "$(binary "$2")" "${LIMITS[@]}" -minimize_crash=1 -max_total_time=60 \
        -exact_artifact_path="$3.min" "$3"
    echo "fuzz.sh: minimized input: $3.min ($(wc -c < "$3.min") bytes)" >&2
    exit 0 ;;
esac

[[ $# -eq 2 ]] || { usage >&2; exit 2; }
TARGET=$1
MINUTES=$2
is_target "$TARGET" || die "unknown target '$TARGET' (targets: ${TARGETS[*]})"
[[ $MINUTES =~ ^[0-9]+([.][0-9]+)?$ ]] || die "MINUTES must be a number, got '$MINUTES'"
TOTAL_SECONDS=$(awk -v m="$MINUTES" 'BEGIN { s = int(m * 60 + 0.5); print (s < 1 ? 1 : s) }')

DATA=${GANKIT_DATA:-$REPO/../shared/data}
FUZZ_WORK=${FUZZ_WORK:-$REPO/.build/fuzz}
WORK=$FUZZ_WORK/$TARGET
RESULTS=${FUZZ_RESULTS:-$FUZZ_WORK/results.tsv}

build "$TARGET"
BIN=$(binary "$TARGET")

# Seeds: copied afresh each run into WORK/seeds (read-only input); WORK/corpus keeps what the
# fuzzer found interesting and grows from run to run.
mkdir -p "$WORK/corpus" "$WORK/artifacts" "$WORK/logs"
rm -rf "$WORK/seeds"
mkdir -p "$WORK/seeds"

# add_seeds LABEL FOLDER PATH-PATTERN...: copies the files whose path matches (find -ipath), flattening their paths.
add_seeds() {
    local label=$1 folder=$2; shift 2
    [[ -d $folder ]] || return 0
    local args=() p
    for p in "$@"; do args+=(${args[@]:+-o} -ipath "$p"); done
    local file rel n=0
    while IFS= read -r -d '' file; do
        rel=${file#"$folder"/}
        cp "$file" "$WORK/seeds/${label}__${rel//\//_}"
        n=$((n + 1))
    done < <(find "$folder" -type f \( "${args[@]}" \) -size -2M -print0)
    echo "fuzz.sh: $n seeds from $folder" >&2
}

if [[ ! -d $DATA ]]; then
    case $TARGET in
    image | mask) echo "fuzz.sh: warning: GANKIT_DATA folder '$DATA' not found: no pngsuite/jpeg-corpus seeds," \
        "the corpus comes from the repository's fixtures only (set GANKIT_DATA)" >&2 ;;
    esac
fi
case $TARGET in
image | mask)
    add_seeds pngsuite "$DATA/pngsuite" '*.png'
    add_seeds jpeg "$DATA/jpeg-corpus" '*.jpg' '*.jpeg' '*.png'
    [[ $TARGET == mask ]] && add_seeds inpaint "$DATA/inpaint-examples" "*/masks/*.png"
    add_seeds seeds "$FUZZ_PACKAGE/seeds/image" '*'
    add_seeds fixture-image "$REPO/Fixtures/fuzz/image" '*'
    add_seeds fixture-mask "$REPO/Fixtures/fuzz/mask" '*' ;;
safetensors)
    add_seeds weights "$REPO/Fixtures/weights" '*.safetensors'
    add_seeds import "$REPO/Fixtures/import" '*.safetensors'
    add_seeds parity "$REPO/Fixtures/parity" '*.safetensors'
    add_seeds fixture "$REPO/Fixtures/fuzz/safetensors" '*' ;;
pth)
    add_seeds weights "$REPO/Fixtures/weights" '*.pth'
    add_seeds import "$REPO/Fixtures/import" '*.pth'
    add_seeds fixture "$REPO/Fixtures/fuzz/pth" '*' ;;
manifest)
    add_seeds seeds "$FUZZ_PACKAGE/seeds/manifest" '*.json'
    add_seeds fixture "$REPO/Fixtures/fuzz/manifest" '*' ;;
esac

DICT=()
[[ -f $FUZZ_PACKAGE/dicts/$TARGET.dict ]] && DICT=(-dict="$FUZZ_PACKAGE/dicts/$TARGET.dict")

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
LOG=$WORK/logs/$STAMP.log
MARK=$WORK/logs/.start-$STAMP
touch "$MARK"
echo "fuzz.sh: fuzzing $TARGET for $TOTAL_SECONDS s; log $LOG" >&2

set +e
# shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
(cd "$WORK" && ASAN_OPTIONS=$(asan_options) "$BIN" -max_total_time="$TOTAL_SECONDS" "${LIMITS[@]}" \
    -print_final_stats=1 -detect_leaks=1 -artifact_prefix="$WORK/artifacts/" "${DICT[@]}" ${FUZZ_ARGS:-} \
    "$WORK/corpus" "$WORK/seeds") > "$LOG" 2>&1
STATUS=$?
set -e
tail -n 25 "$LOG" >&2

stat_of() { awk -v k="stat::$1:" '$1 == k { v = $2 } END { print (v == "" ? "?" : v) }' "$LOG"; }
EXECS=$(stat_of number_of_executed_units)
RATE=$(stat_of average_exec_per_sec)
PEAK=$(stat_of peak_rss_mb)
# The last status line ("#N ... cov: C ft: F corp: U/S ...") holds coverage and corpus size.
STATUS_LINE=$(grep -E '^#[0-9]+' "$LOG" | tail -n 1 || true)
COVERAGE=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$STATUS_LINE"); COVERAGE=${COVERAGE:-?}
CORPUS=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$STATUS_LINE"); CORPUS=${CORPUS:-?}
if [[ $EXECS == "?" && $STATUS_LINE =~ ^#([0-9]+):\ cov ]]; then
    # Fork mode (-fork=N) prints no final stats; its status lines read "#N: cov: C ft: F corp: U exec/s: R ...".
    EXECS=${BASH_REMATCH[1]}
    RATE=$(sed -nE 's/.* exec\/s: ([0-9]+).*/\1/p' <<<"$STATUS_LINE"); RATE=${RATE:-?}
    CORPUS=$(sed -nE 's/.* corp: ([0-9]+) .*/\1/p' <<<"$STATUS_LINE"); CORPUS=${CORPUS:-?}
fi
found() { find "$WORK/artifacts" -maxdepth 1 -type f -name "$1-*" -newer "$MARK" | wc -l | tr -d ' '; }
CRASHES=$(found crash)
LEAKS=$(found leak)
TIMEOUTS=$(found timeout)
# A timeout may be the machine, not the input (a 2-core box shared with builds stalls a process now
# and then): every timeout input is run again alone, and only one that again takes 1 s or more counts
# as slow. The re-measured times go to the log.
SLOW=0
for f in $(find "$WORK/artifacts" -maxdepth 1 -type f -name 'timeout-*' -newer "$MARK"); do
    ms=$(ASAN_OPTIONS=$(asan_options) "$BIN" "${LIMITS[@]}" -runs=1 "$f" 2>&1 | sed -nE 's/^Executed .* in ([0-9]+) ms$/\1/p' | tail -n 1)
    echo "re-measured alone: $(basename "$f") ${ms:-?} ms" | tee -a "$LOG" >&2
    if [[ -z $ms || $ms -ge 1000 ]]; then SLOW=$((SLOW + 1)); fi
done
OOMS=$(found oom)
FINDINGS=$(find "$WORK/artifacts" -maxdepth 1 -type f -newer "$MARK" | sort)
rm -f "$MARK"

mkdir -p "$(dirname "$RESULTS")"
if [[ ! -s $RESULTS ]]; then
    printf 'date\ttarget\tminutes\texecutions\texec_per_s\tcorpus\tcoverage\tpeak_rss_mb\tcrashes\tleaks\ttimeouts\tooms\texit\tlog\n' > "$RESULTS"
fi
LINE=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$TARGET" "$MINUTES" \
    "$EXECS" "$RATE" "$CORPUS" "$COVERAGE" "$PEAK" "$CRASHES" "$LEAKS" "$TIMEOUTS" "$OOMS" "$STATUS" "$LOG")
echo "$LINE" >> "$RESULTS"
echo
echo "fuzz $TARGET: $MINUTES min, $EXECS executions ($RATE/s), corpus $CORPUS, coverage $COVERAGE, peak RSS $PEAK MB;" \
    "crashes $CRASHES, leaks $LEAKS, timeouts $TIMEOUTS ($SLOW still 1 s or more when run alone), ooms $OOMS (exit $STATUS)"
echo "summary appended to $RESULTS"
if [[ -n $FINDINGS ]]; then
    echo "findings (minimize with: tools/fuzz.sh --minimize $TARGET FILE):"
    echo "$FINDINGS"
fi
exit "$STATUS"
