#!/bin/sh
# Writes Fixtures/checkpoints/{pix2pix,inpaint,cgan,cyclegan}: the checkpoint of a 2-step run of each trainer on tiny
# synthetic images, saved by the gantool given. CheckpointCompatibilityTests resumes them with today's code, so a
# change that stops old checkpoints from resuming fails there. Regenerate only when a format changes on purpose.
# Usage: tools/make_checkpoint_fixtures.sh PATH/TO/gantool   (run from the repository root)
set -eu
tool=${1:?usage: tools/make_checkpoint_fixtures.sh GANTOOL}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import os, struct, sys, zlib
def png(path, w, h, pixel):
    rows = b"".join(b"\0" + bytes(c for x in range(w) for c in pixel(x, y)) for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
root = sys.argv[1]
for k in range(3):
    stripes = lambda x, y, k=k: ((x * 5 + k * 50) % 256, (y * 6) % 256, 240 if 10 <= x % 33 <= 25 and 8 <= y <= 24 else 40 * k % 256)
    png(f"{root}/pairs/p{k}.png", 64, 32, stripes)
    png(f"{root}/photos/p{k}.png", 22, 26, stripes)
    png(f"{root}/classes/light/{k}.png", 8, 8, lambda x, y, k=k: (200 + 10 * k, 180, 160 + x))
    png(f"{root}/classes/dark/{k}.png", 8, 8, lambda x, y, k=k: (30 + 10 * k, 40, 50 + y))
    png(f"{root}/domains/A/{k}.png", 24, 24, lambda x, y, k=k: (200, 40 + 9 * x, 30 * k))
    png(f"{root}/domains/B/{k}.png", 24, 24, lambda x, y, k=k: (30 * k, 40 + 9 * y, 200))
PY
out=Fixtures/checkpoints
rm -rf "$out" && mkdir -p "$out"
"$tool" train pix2pix --pairs "$work/pairs" --name fixture --out "$out/pix2pix" --steps 4 --max-steps 2 \
    --size 32 --ngf 2 --ndf 2 --discriminator-layers 2 --sample-every 2
"$tool" train inpaint --images "$work/photos" --name fixture --out "$out/inpaint" --steps 4 --max-steps 2 \
    --size 16 --cnum 2 --ndf 2 --discriminator-layers 3 --batch 2 --sample-every 2
"$tool" train cgan --folders "$work/classes" --channels 3 --image-size 8 -o "$out/cgan" --steps 2 \
    --batch-size 2 --width 4 --latent-size 4 --checkpoint-every 2
"$tool" train cyclegan --a "$work/domains/A" --b "$work/domains/B" --name fixture --out "$out/cyclegan" \
    --size 24 --ngf 2 --blocks 1 --max-steps 2
# Only what resuming reads: no sample grids, loss curves or exported model folders.
for run in "$out"/*; do rm -rf "$run/samples" "$run/model" "$run/loss_curve.png" "$run/samples.png"; done
# The data folder each run recorded is this script's temporary one: the test passes its own.
du -sh "$out"/*
