#!/usr/bin/env bash
# Copies a training run's latest resumable checkpoint (state.json and the weight files it names) into a folder of
# the repository, replacing what was there: the run state that outlives a machine (issue 20: Models/fashion-cgan/
# training/, at most 25 MB a commit). Reads state.json first and checks the files it names after copying, so a
# checkpoint written meanwhile makes it try again rather than leave a mixed set.
#   tools/keep_training_state.sh /work/runs/fashion Models/fashion-cgan/training
set -euo pipefail
run=${1:?run folder}; into=${2:?destination folder}
for attempt in 1 2 3; do
    tmp=$(mktemp -d "${into%/}.tmp.XXXXXX")
    cp "$run/state.json" "$tmp/state.json"
    files=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(" ".join(v for k, v in s.items() if k.endswith("File") and v))' "$tmp/state.json")
    ok=1
    for f in $files; do cp "$run/$f" "$tmp/$f" 2>/dev/null || ok=0; done
    if [ $ok = 1 ] && cmp -s "$run/state.json" "$tmp/state.json"; then
        rm -rf "${into%/}.old"; [ -d "$into" ] && mv "$into" "${into%/}.old"
        mv "$tmp" "$into"; rm -rf "${into%/}.old"
        echo "kept step $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["step"])' "$into/state.json") of $run in $into ($(du -sh "$into" | cut -f1))"
        exit 0
    fi
    rm -rf "$tmp"; sleep 5
done
echo "could not copy a consistent checkpoint from $run" >&2; exit 1
