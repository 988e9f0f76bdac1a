#!/usr/bin/env bash
# Data-parallel scaling on this machine: each training command for STEPS steps in one process (all cores), then as
# `mpirun -np 2 ... --distributed` (Open MPI binds each rank to one core), from the same fresh start. Prints steps/s of
# each and the allreduce volume per step (rank 0's "data-parallel over 2 ranks" line). Release build.
#   bash tools/data_parallel_scaling.sh [STEPS]     (GANKIT_DATA: the datasets; default ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-30}
data=${GANKIT_DATA:-../shared/data}
tool=.build/release/gantool
swift build -c release --product gantool >/dev/null
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
mpi="mpirun --allow-run-as-root --oversubscribe -np 2"

measure() {  # NAME ARGS...: one process, then two ranks
    local name=$1; shift
    for mode in one two; do
        local out="$scratch/$name-$mode" start end
        start=$(date +%s.%N)
        if [ $mode = one ]; then "$tool" "$@" "$out" >/dev/null 2>"$out.log"; else $mpi "$tool" "$@" "$out" --distributed >/dev/null 2>"$out.log"; fi
        end=$(date +%s.%N)
        local volume; volume=$(grep -o "[0-9.]* MB allreduced per step" "$out.log" || echo "-")
        printf "%-28s %-4s %6.2f s  %6.2f steps/s  %s\n" "$name" "$mode" "$(echo "$end - $start" | bc)" "$(echo "$steps / ($end - $start)" | bc -l)" "$volume"
    done
}

measure "cgan mnist w64 b64" train cgan --mnist "$data/mnist" --width 64 --batch-size 64 --steps "$steps" --checkpoint-every 100000 --log-every 100000 -o
measure "pix2pix colorize 128 b8" train pix2pix --task colorize --images "$data/cat2dog/trainA" --size 128 --ngf 32 --ndf 32 --batch-size 8 \
    --steps "$steps" --sample-every 100000 --name p --out
measure "cyclegan 128 ngf32 b2" train cyclegan --a "$data/cat2dog/trainA" --b "$data/cat2dog/trainB" --name c --size 128 --ngf 32 --blocks 6 \
    --batch-size 2 --max-steps "$steps" --out
