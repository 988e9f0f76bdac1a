#!/bin/sh
# One pilot of issue 21's recipe comparison: train a cat<->dog recipe for a fixed CPU-time budget on the same data,
# size and network as the others, then score its latest checkpoint with the judge. The budget is CPU seconds over all
# of the trainer's threads (`prlimit --cpu`, util-linux: the trainer checkpoints and stops on the SIGXCPU it
# sends), so pilots get the same computation however busy the machine is with other work; 3600 is 30 minutes of a
# 2-core machine.
# The runs go to runs/pilots/NAME (a stopped run resumes with the same command plus --resume on the gantool line),
# the scores to runs/pilots/NAME.eval.txt, steps and steps/s to NAME.speed.txt, the training log to NAME.train.log.
# Put the table in docs/TRANSLATION.md.
#
# Usage: tools/cat2dog_pilot.sh NAME CPU_SECONDS JUDGE [train cyclegan flags...]
#   tools/cat2dog_pilot.sh cyclegan 3600 Models/cat2dog/judge
#   tools/cat2dog_pilot.sh low-cycle 3600 Models/cat2dog/judge --cycle-weight 3 --identity-weight 0
#   tools/cat2dog_pilot.sh fastcut 3600 Models/cat2dog/judge --objective fastcut
#   tools/cat2dog_pilot.sh two-scales 3600 Models/cat2dog/judge --discriminator-scales 2
# Environment: GANTOOL (default .build/release/gantool), GANKIT_DATA (default ../shared/data).
set -eu
name=${1:?usage: tools/cat2dog_pilot.sh NAME CPU_SECONDS JUDGE [flags...]}
cpu_seconds=${2:?CPU seconds}
judge=${3:?judge folder}
shift 3
tool=${GANTOOL:-.build/release/gantool}
data=${GANKIT_DATA:-../shared/data}
[ -d "$data/cat2dog/trainA" ] || { echo "cat2dog_pilot: no $data/cat2dog (set GANKIT_DATA)" >&2; exit 2; }
mkdir -p runs/pilots
run=runs/pilots/$name
# SIGXCPU at the budget: the trainer checkpoints and stops (exit 128 + 24), the expected end of a pilot; the hard
# limit, 10 CPU-minutes later, only ends a trainer that did not stop.
status=0
prlimit --cpu="$cpu_seconds:$((cpu_seconds + 600))" "$tool" train cyclegan --a "$data/cat2dog/trainA" --a "$data/cat2dog-extra/trainA" \
    --b "$data/cat2dog/trainB" --b "$data/cat2dog-extra/trainB" --a-name cats --b-name dogs --name "$name" --out "$run" \
    --size 128 --ngf 32 --blocks 6 --checkpoint-minutes 5 "$@" 2> "$run.train.log" || status=$?
case $status in 0|152) ;; *) tail -5 "$run.train.log" >&2; exit "$status" ;; esac
# Steps of this pilot and its speed, from the loss log (step, epoch, seconds, ...): steps per CPU-hour is the table's
# speed column (the wall-clock seconds depend on what else the machine ran).
awk -F, 'NR > 1 { step = $1; seconds = $3 } END { if (seconds > 0) printf "pilot %s: %d steps, %.0f wall s, %.0f steps per CPU-hour\n", name, step, seconds, step * 3600 / cpu }' \
    name="$name" cpu="$cpu_seconds" "$run/loss_log.csv" | tee "$run.speed.txt"
"$tool" eval translate --model "$run" --classifier "$judge" \
    --a "$data/cat2dog/testA" --a "$data/cat2dog-extra/testA" --b "$data/cat2dog/testB" --b "$data/cat2dog-extra/testB" \
    | tee "$run.eval.txt"
