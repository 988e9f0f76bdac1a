#!/usr/bin/env bash
# Kill trials: SIGKILL a tiny training run at N seeded random moments, and after each kill check that
# every checkpoint on disk loads (`gantool checkpoint verify`) and that `--resume` starts from the latest
# one; then let the run finish and check its loss log has every step exactly once.
#
#   tools/kill_trials.sh [--kills N] [--seed S] [--family cyclegan|cgan|both] [--gantool PATH] [--work DIR]
#
# Defaults: 10 kills, seed 1, both families, the debug gantool of this checkout (built if missing), a
# temporary work folder (kept with --work). Needs python3 (standard library) to write the synthetic images.
# Prints one line per kill and a summary per family; exits non-zero at the first failed check.
set -euo pipefail
cd "$(dirname "$0")/.."

kills=10 seed=1 family=both gantool="" work=""
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) kills=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --family) family=$2; shift 2 ;;
        --gantool) gantool=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        *) echo "usage: $0 [--kills N] [--seed S] [--family cyclegan|cgan|both] [--gantool PATH] [--work DIR]" >&2; exit 2 ;;
    esac
done
if [ -z "$gantool" ]; then
    gantool="$(swift build --show-bin-path)/gantool"
    [ -x "$gantool" ] || swift build --product gantool >&2
fi
if [ -z "$work" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"

# Synthetic images: smooth colour gradients with a per-image phase, 32x32 RGB PNG.
python3 - "$work" <<'PY'
import math, os, struct, sys, zlib
root = sys.argv[1]
def png(path, w, h, phase):
    rows = b"".join(b"\x00" + bytes(int(127.5 + 127.5 * math.sin(0.3 * x + 0.2 * y + phase + c)) for x in range(w) for c in range(3))
                    for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
for k in range(6):
    png(f"{root}/data/a/{k}.png", 32, 32, k)
    png(f"{root}/data/b/{k}.png", 32, 32, 10 + 2 * k)
    png(f"{root}/data/classes/{'even' if k % 2 == 0 else 'odd'}/{k}.png", 32, 32, 3 * k)
PY

# Seeded delays (seconds) for the kills: uniform in [0.1, 2.5].
delays=($(awk -v n="$kills" -v s="$seed" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "%.2f ", 0.1 + 2.4 * rand() }'))

# trial FAMILY: runs the kills and the final run of one family.
trial() {
    local fam=$1 out="$work/$1" log="$work/$1.log"
    local -a train
    local total
    rm -rf "$out"
    if [ "$fam" = cyclegan ]; then
        # 6 pairs x (25 + 25) epochs = 300 steps; a checkpoint after every step, samples every 0.6 s.
        train=(train cyclegan --a "$work/data/a" --b "$work/data/b" --name kill --out "$out" --size 24 --ngf 4 --blocks 1
               --epochs 25 --decay-epochs 25 --checkpoint-every 1 --sample-minutes 0.01 --seed "$seed")
        total=300
    else
        train=(train cgan --folders "$work/data/classes" --channels 3 --image-size 8 -o "$out" --steps 12000 --batch-size 4
               --width 4 --latent-size 4 --checkpoint-every 20 --log-every 2000 --seed "$seed")
        total=12000
    fi
    local killed=0 verified=0 resumed=0 midsave=0 early=0
    for ((k = 0; k < kills; k++)); do
        local resume=() before="none"
        if [ -e "$out/checkpoints/latest.json" ] || [ -e "$out/state.json" ]; then
            resume=(--resume)
            before=$("$gantool" checkpoint verify "$out" --json | python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; print(next(c["step"] for c in r["checkpoints"] if c["isLatest"]))')
        fi
        "$gantool" "${train[@]}" "${resume[@]}" >"$log" 2>&1 &
        local pid=$!
        sleep "${delays[$k]}"
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid"; killed=$((killed + 1)); status=killed
        else
            status="finished before the kill"; early=$((early + 1))
        fi
        wait "$pid" 2>/dev/null || true
        if [ "$before" != none ]; then
            # The resumed run must have started from the checkpoint that was the latest.
            if grep -qE "from step $before;|resumed $out at step $before\$" "$log"; then
                resumed=$((resumed + 1))
            elif grep -q "from step\|resumed" "$log"; then
                echo "FAIL $fam kill $((k + 1)): resumed from another step than $before:"; grep "from step\|resumed" "$log"; exit 1
            fi
        fi
        local report
        if [ -e "$out/checkpoints/latest.json" ] || [ -e "$out/state.json" ]; then
            if ! report=$("$gantool" checkpoint verify "$out" --json); then
                echo "FAIL $fam kill $((k + 1)): a checkpoint does not load"; "$gantool" checkpoint verify "$out"; exit 1
            fi
            local counts
            counts=$(python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; c=r["checkpoints"]; print(len(c), max(x["step"] for x in c if x["isLatest"]), len(r["leftovers"]))' <<<"$report")
            set -- $counts
            verified=$((verified + $1)); [ "$status" = killed ] && [ "$3" -gt 0 ] && midsave=$((midsave + 1))
            echo "$fam kill $((k + 1))/$kills after ${delays[$k]} s ($status): $1 checkpoint(s) load, latest step $2, $3 leftover(s) of a save cut short"
        else
            [ -d "$out/checkpoints" ] && ls -A "$out/checkpoints" | grep -q '^step-' && { echo "FAIL $fam: checkpoint folder without latest.json"; exit 1; }
            echo "$fam kill $((k + 1))/$kills after ${delays[$k]} s ($status): no checkpoint yet"
        fi
    done
    local resume=()
    if [ -e "$out/checkpoints/latest.json" ] || [ -e "$out/state.json" ]; then resume=(--resume); fi
    "$gantool" "${train[@]}" "${resume[@]}" >"$log" 2>&1 || { echo "FAIL $fam: the final run failed:"; tail -5 "$log"; exit 1; }
    "$gantool" checkpoint verify "$out" >/dev/null || { echo "FAIL $fam: final checkpoint does not load"; exit 1; }
    local final
    final=$("$gantool" checkpoint verify "$out" --json | python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; print(next(c["step"] for c in r["checkpoints"] if c["isLatest"]))')
    [ "$final" = "$total" ] || { echo "FAIL $fam: final step $final, expected $total"; exit 1; }
    if [ "$fam" = cyclegan ]; then
        # Every step logged exactly once, in order, in spite of the kills.
        awk -F, -v n="$total" 'NR > 1 { if ($1 != NR - 1) { print "FAIL cyclegan: loss_log.csv row " NR - 1 " holds step " $1; bad = 1; exit } }
            END { if (!bad && NR - 1 != n) { print "FAIL cyclegan: loss_log.csv has " NR - 1 " rows, expected " n; bad = 1 } exit bad }' "$out/loss_log.csv"
    fi
    echo "$fam: $killed kills ($early runs finished before their kill), $resumed resumes from the latest checkpoint," \
         "$verified checkpoint loads verified, $midsave kills cut a save short (leftovers, cleared by the next save);" \
         "final run completed at step $final"
}

case "$family" in
    both) trial cyclegan; trial cgan ;;
    cyclegan|cgan) trial "$family" ;;
    *) echo "--family takes cyclegan, cgan or both" >&2; exit 2 ;;
esac
