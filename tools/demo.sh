#!/usr/bin/env bash
# The main job on a fresh Debian machine: install the libraries, build gantool in release mode,
# and run it on the models in Models/: inspect and convert the sample photos of ../shared/data,
# fill the holes of the inpainting examples, draw every class of the label-conditional models,
# colorize held-out faces with the pix2pix model, and turn the sample cat photo and held-out test cats into
# dogs with the cat2dog translator. Models that are not shipped are skipped.
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
cats=()
[ -f "$data/sample-photos/chelsea.png" ] && cats+=("$data/sample-photos/chelsea.png")
[ -d "$data/cat2dog/testA" ] && cats+=($(ls "$data/cat2dog/testA"/*.jpg | head -4))
if [ -f Models/cat2dog/manifest.json ] && [ ${#cats[@]} -gt 0 ]; then
    # At the scale the model was trained at (128-pixel crops of whole-animal photos).
    "$gantool" translate "${cats[@]}" --to dogs --size 160 -o "$out/translated" --format png
fi
