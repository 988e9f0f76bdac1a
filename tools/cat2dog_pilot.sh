#!/bin/sh
# One pilot of issue 21's recipe comparison: train a cat<->dog recipe for a fixed wall-clock budget (default 40
# minutes) on the same data, size and network as the others, then score its latest checkpoint with the judge.
# The runs go to runs/pilots/NAME (a stopped run resumes with the same command plus --resume on the gantool line),
# the scores to runs/pilots/NAME.eval.txt, steps and steps/s to NAME.speed.txt, the training log to NAME.train.log.
# Put the table in docs/TRANSLATION.md.
#
# Usage: tools/cat2dog_pilot.sh NAME MINUTES JUDGE [train cyclegan flags...]
#   tools/cat2dog_pilot.sh cyclegan 40 classifiers/cat2dog-residual
#   tools/cat2dog_pilot.sh low-cycle 40 classifiers/cat2dog-residual --cycle-weight 3 --identity-weight 0
#   tools/cat2dog_pilot.sh fastcut 40 classifiers/cat2dog-residual --objective fastcut
#   tools/cat2dog_pilot.sh two-scales 40 classifiers/cat2dog-residual --discriminator-scales 2
# Environment: GANTOOL (default .build/release/gantool), GANKIT_DATA (default ../shared/data).
set -eu
name=${1:?usage: tools/cat2dog_pilot.sh NAME MINUTES JUDGE [flags...]}
minutes=${2:?minutes}
judge=${3:?judge folder}
shift 3
tool=${GANTOOL:-.build/release/gantool}
data=${GANKIT_DATA:-../shared/data}
[ -d "$data/cat2dog/trainA" ] || { echo "cat2dog_pilot: no $data/cat2dog (set GANKIT_DATA)" >&2; exit 2; }
mkdir -p runs/pilots
run=runs/pilots/$name
# SIGTERM at the budget: the trainer checkpoints and stops (timeout exits 124), the expected end of a pilot.
status=0
timeout --signal=TERM "${minutes}m" "$tool" train cyclegan --a "$data/cat2dog/trainA" --a "$data/cat2dog-extra/trainA" \
    --b "$data/cat2dog/trainB" --b "$data/cat2dog-extra/trainB" --a-name cats --b-name dogs --name "$name" --out "$run" \
    --size 128 --ngf 32 --blocks 6 --checkpoint-minutes 5 "$@" 2> "$run.train.log" || status=$?
case $status in 0|124|143) ;; *) tail -5 "$run.train.log" >&2; exit "$status" ;; esac
# Steps and steps/s of this pilot, from the loss log (step, epoch, seconds, ...): the table's speed column.
awk -F, 'NR > 1 { step = $1; seconds = $3 } END { if (seconds > 0) printf "pilot %s: %d steps in %.0f s, %.2f steps/s\n", name, step, seconds, step / seconds }' \
    name="$name" "$run/loss_log.csv" | tee "$run.speed.txt"
"$tool" eval translate --model "$run" --classifier "$judge" \
    --a "$data/cat2dog/testA" --a "$data/cat2dog-extra/testA" --b "$data/cat2dog/testB" --b "$data/cat2dog-extra/testB" \
    | tee "$run.eval.txt"
