#!/usr/bin/env bash
# The main job on a fresh Debian machine: install the libraries, build gantool in release mode,
# and run it. Models/ ships no trained model yet, so the job is what runs without one: inspect
# and convert the sample photos of ../shared/data, and fill the holes of the inpainting examples
# with Telea's method.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
swift build -c release --product gantool
gantool=$(swift build -c release --show-bin-path)/gantool
data=${GANKIT_DATA:-../shared/data}
out=${1:-out/demo}
if [ -d "$data/sample-photos" ]; then
    inputs="$data/sample-photos"
else
    echo "no dataset at $data (set GANKIT_DATA); using Fixtures/" >&2
    inputs="Fixtures"
fi
"$gantool" info "$inputs"
"$gantool" convert "$inputs" -o "$out" --resize 256x256 --format png
echo "wrote $(ls "$out" | wc -l) images to $out" >&2
examples="$data/inpaint-examples"
if [ -d "$examples" ]; then
    for set in "$examples"/*/; do
        set=${set%/}
        "$gantool" inpaint "$set/images" --masks "$set/masks" -o "$out/inpainted/$(basename "$set")" --format png
    done
fi
