#!/usr/bin/env bash
# The main job on a fresh Debian machine: install the libraries, build gantool in release mode,
# and run it on the models in Models/: inspect and convert the sample photos of ../shared/data,
# fill the holes of the inpainting examples, draw every class of the label-conditional models,
# and colorize held-out faces with the pix2pix model. Models that are not shipped are skipped.
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
"$gantool" models
for model in mnist-cgan fashion-cgan; do
    if [ -f "Models/$model/manifest.json" ]; then
        "$gantool" generate --model "$model" --labels all --count 10 --seed 1 -o "$out/$model.png"
        echo "wrote $out/$model.png (one row per class)" >&2
    fi
done
faces="$data/celeba-aligned-subset/test"
if [ -f Models/faces-colorize/manifest.json ] && [ -d "$faces" ]; then
    "$gantool" generate --model faces-colorize --from $(ls "$faces"/*.jpg | head -16) -o "$out/colorized" --format png
fi
if [ -f Models/faces-inpaint/manifest.json ] && [ -d "$examples/celeba" ]; then
    "$gantool" inpaint "$examples/celeba/images" --masks "$examples/celeba/masks" --model faces-inpaint \
        -o "$out/inpainted-gan/celeba" --format png
fi
