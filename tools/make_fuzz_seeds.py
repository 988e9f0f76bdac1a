#!/usr/bin/env python3
"""Writes the small inputs of the fuzz targets that the datasets do not provide.

tools/fuzz/seeds/image/     tiny PNGs and JPEGs of every layout, with EXIF orientations (JPEG APP1,
                            PNG eXIf) and alpha holes, for the `image` and `mask` targets
tools/fuzz/seeds/manifest/  translation and pix2pix manifest.json and conditional state.json files, valid and
                            edge-of-valid, for the `manifest` target
Fixtures/fuzz/TARGET/       hand-built equivalents of the inputs the fuzzers found (regression
                            inputs for FuzzRegressionTests; see Fixtures/fuzz/README.md)

Every file is generated here (nothing copied from a dataset); each is a few hundred bytes.
tools/fuzz.sh adds them to the seed corpus beside ../shared/data and Fixtures/.
Needs Pillow, and torch for the .pth regression inputs. Usage: python3 tools/make_fuzz_seeds.py
"""
import collections
import io
import json
import os
import struct
import zlib

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz", "seeds")
FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Fixtures", "fuzz")


def exif(orientation):
    e = Image.Exif()
    e[0x0112] = orientation
    return e


def pattern(mode, w, h):
    im = Image.new(mode, (w, h))
    bands = len(im.getbands())
    px = []
    for y in range(h):
        for x in range(w):
            v = (x * 37 + y * 91) % 256
            hole = (w // 4 <= x < w // 2) and (h // 4 <= y < h // 2)
            pixel = [v, (v * 3) % 256, (255 - v)][:bands] if bands >= 3 else [255 if hole else v]
            if mode in ("LA", "RGBA"):
                pixel = pixel[: bands - 1] + [0 if hole else 255]
            px.append(tuple(pixel) if bands > 1 else pixel[0])
    im.putdata(px)
    return im


def save(folder, name, im, **kw):
    os.makedirs(folder, exist_ok=True)
    buf = io.BytesIO()
    im.save(buf, **kw)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(buf.getvalue())


def images():
    d = os.path.join(ROOT, "image")
    save(d, "gray_8x6.png", pattern("L", 8, 6), format="PNG")
    save(d, "gray_alpha_7x5.png", pattern("LA", 7, 5), format="PNG")
    save(d, "rgb_9x4_interlaced.png", pattern("RGB", 9, 4), format="PNG", interlace=1)
    save(d, "rgba_8x8_hole.png", pattern("RGBA", 8, 8), format="PNG")
    save(d, "palette_trns_6x6.png", pattern("RGB", 6, 6).quantize(8), format="PNG", transparency=0)
    save(d, "gray16_5x3.png", pattern("L", 5, 3).convert("I").point(lambda v: v * 257).convert("I;16"), format="PNG")
    save(d, "rgb_6x4_exif5.png", pattern("RGB", 6, 4), format="PNG", exif=exif(5))
    save(d, "mask_white_hole_8x8.png", pattern("L", 8, 8).point(lambda v: 255 if v == 255 else 0), format="PNG")
    save(d, "rgb_16x8_exif6.jpg", pattern("RGB", 16, 8), format="JPEG", quality=80, exif=exif(6))
    save(d, "rgb_8x16_exif3_progressive.jpg", pattern("RGB", 8, 16), format="JPEG", quality=80, progressive=True, exif=exif(3))
    save(d, "gray_9x7_exif8.jpg", pattern("L", 9, 7), format="JPEG", quality=90, exif=exif(8))
    save(d, "cmyk_8x8.jpg", pattern("RGB", 8, 8).convert("CMYK"), format="JPEG", quality=90)


def manifests():
    d = os.path.join(ROOT, "manifest")
    os.makedirs(d, exist_ok=True)
    options = {"beta1": 0.5, "constantEpochs": 100, "decayEpochs": 100, "discriminatorLayers": 3, "lambdaCycle": 10,
               "lambdaIdentity": 0.5, "learningRate": 0.0002, "ndf": 64, "ngf": 2, "norm": "instance",
               "objective": "lsgan", "poolSize": 50, "resnetBlocks": 1}
    translation = {"domainA": "horses", "domainB": "zebras", "format": "gankit-cyclegan", "name": "tiny",
                   "notes": {"precision": "F32", "source": "gantool import"}, "options": options, "version": 1}
    state = {"configuration": {"channels": 1, "classCount": 10, "discriminatorWidth": 8, "generatorWidth": 8,
                               "imageSize": 28, "latentSize": 16},
             "dataset": "mnist", "discriminatorFile": "discriminator-00000002.safetensors",
             "format": "gankit-conditional-gan/1", "generatorFile": "generator-00000002.safetensors",
             "lastLosses": {"discriminator": 1.25, "generator": 0.75, "step": 2},
             "optimizerFile": "optimizers-00000002.safetensors", "optimizerSteps": [2, 2],
             "options": {"batchSize": 4, "beta1": 0, "beta2": 0.9, "discriminatorLearningRate": 0.0002,
                         "discriminatorSteps": 1, "generatorLearningRate": 0.0002, "loss": "hinge", "seed": 1},
             "step": 2, "version": "0.1.0"}
    pix2pix = {"architecture": "unet_32 ngf 2 dropout, patchgan n_layers 2 ndf 2, instance norm", "batchSize": 1,
               "configuration": {"depth": 5, "discriminatorLayers": 2, "imageSize": 32, "inputChannels": 1, "ndf": 2,
                                 "ngf": 2, "norm": "instance", "outputChannels": 3, "useDropout": True},
               "dataset": "synthetic", "format": "gankit-pix2pix-model/1", "ganWeight": 1, "generatorFile": "generator.safetensors",
               "kind": "pix2pix", "l1Weight": 100, "loss": "nonsaturating", "name": "tiny-colorize", "task": "colorize",
               "trainingSeconds": 3, "trainingSteps": 10, "version": "0.1.0"}
    files = {
        "pix2pix.json": pix2pix,
        "translation.json": translation,
        "translation_minimal.json": {"domainA": "a", "domainB": "b", "format": "gankit-cyclegan", "name": "m",
                                     "options": {}, "version": 1},
        "translation_vanilla_steps.json": dict(translation, trainingSteps=200000,
                                               options=dict(options, objective="vanilla", norm="batch")),
        "conditional_state.json": state,
        "conditional_state_nan.json": dict(state, lastLosses={"discriminator": "nan", "generator": "inf", "step": 2}),
        "conditional_state_small.json": dict(state, configuration={"channels": 1, "classCount": 3, "discriminatorWidth": 2,
                                                                   "generatorWidth": 2, "imageSize": 8, "latentSize": 4}),
    }
    for name, value in files.items():
        with open(os.path.join(d, name), "w") as f:
            json.dump(value, f, indent=2, sort_keys=True)
            f.write("\n")


def png_chunk(kind, data, length=None):
    body = kind + data
    return struct.pack(">I", len(data) if length is None else length) + body + struct.pack(">I", zlib.crc32(body))


def regression_inputs():
    # image: a 1x1 PNG whose eXIf chunk declares 989855770 bytes. libpng called the oversized chunk a benign
    # error (a warning), then allocated the declared length (~1 GB) before finding the file truncated.
    d = os.path.join(FIXTURES, "image")
    os.makedirs(d, exist_ok=True)
    png = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    png += struct.pack(">I", 0x3B00001A) + b"eXIfMM\x00*\x00\x00\x00\x08"
    with open(os.path.join(d, "oversized-exif-chunk.png"), "wb") as f:
        f.write(png)

    # manifest: a translation manifest with resnetBlocks -1 was accepted; `gantool translate` then trapped in
    # ResnetGenerator (0..<-1).
    d = os.path.join(FIXTURES, "manifest")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "negative-resnet-blocks.json"), "w") as f:
        f.write('{"domainA":"a","domainB":"b","format":"gankit-cyclegan","name":"m","options":{"ngf":2,"resnetBlocks":-1},"version":1}\n')

    # pth: one float stored, viewed as 2^26 elements with stride 0 (torch.zeros(1).expand(2**26)): the
    # reader decoded 768 MB (values and gather indices) from a file of a few hundred bytes.
    try:
        import torch
    except ImportError:
        print("torch not installed: Fixtures/fuzz/pth inputs not written")
        return
    d = os.path.join(FIXTURES, "pth")
    os.makedirs(d, exist_ok=True)
    state = collections.OrderedDict(weight=torch.zeros(1).expand(1 << 26))
    # The legacy format names storages by object id, so a rewrite differs byte-wise: kept when present.
    legacy = os.path.join(d, "expand-view-legacy.pth")
    if not os.path.exists(legacy):
        torch.save(state, legacy, _use_new_zipfile_serialization=False)
    torch.save(state, os.path.join(d, "expand-view.pth"))


if __name__ == "__main__":
    images()
    manifests()
    regression_inputs()
