#!/usr/bin/env python3
"""Write the small weight-file fixtures used by Tests/GANCoreTests/Weights*.swift.

How to run (from the repository root):

    python3 -m venv /tmp/ganvenv
    /tmp/ganvenv/bin/pip install torch==2.13.0 safetensors numpy
    /tmp/ganvenv/bin/python tools/make_weight_fixtures.py

Pin torch==2.13.0: its CPU wheel is cached on the build machine (pip find-links).
A bare `pip install torch` pulls the multi-gigabyte CUDA build; do not do that.

Output (Fixtures/weights/, all together a few tens of KiB):
  tiny.pth              torch.save of an OrderedDict state dict (zip format), including
                        views that share one storage (a transposed view and an offset
                        slice), f16, bf16 and f64 tensors, an int64 num_batches_tracked.
  tiny_ckpt.pth         {"epoch": 3, "state_dict": <the same dict>} under another stem.
  tiny_f32.safetensors, tiny_f16.safetensors, tiny_bf16.safetensors
                        the same tensors (contiguous copies) with floating tensors cast
                        to F32 / F16 / BF16; int64 stays I64; __metadata__ is set.
  expected.tsv          file <TAB> tensor <TAB> shape (comma separated) <TAB> values as
                        float32 bit patterns in hex (comma separated), i.e. what a loader
                        that converts every dtype to Float32 must return.
  evil_system.pth       zip container whose data.pkl pickles an object whose __reduce__
                        is (os.system, ("true",)) -- harmless even if someone loads it.
  evil_eval.pth         same idea via STACK_GLOBAL builtins.eval("0") (protocol 4).
  legacy.pth            torch.save(..., _use_new_zipfile_serialization=False).
  compressed.pth        tiny.pth re-zipped with DEFLATE (must be refused).

Re-running rewrites the .pth files with a new random `.data/serialization_id` entry (torch
adds one per save); tensor values and expected.tsv are deterministic (fixed seed).
"""
import collections
import io
import os
import pickle
import struct
import zipfile

import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "weights")


def state_dict():
    sd = collections.OrderedDict()
    g = torch.Generator().manual_seed(1234)
    sd["model.0.weight"] = (torch.randn(4, 2, 3, 3, generator=g) * 0.5).float()
    sd["model.0.bias"] = torch.tensor([0.0, -0.0, 1.5, -2.25], dtype=torch.float32)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.25 - 1.0
    sd["model.1.weight"] = base.t()[1:]          # shape (5, 4), strides (1, 6), offset 1
    sd["model.1.bias"] = base.view(-1)[5:9]      # contiguous, storage offset 5
    sd["model.2.weight"] = torch.tensor(
        [[1.0, 65504.0, 6.0e-8, -0.0], [float("inf"), -2.0, 0.333251953125, 1.0e-5]],
        dtype=torch.float16)
    sd["model.2.bias"] = torch.tensor([1.0, 3.0e38, -1.0e-39, 0.1, -7.5], dtype=torch.bfloat16)
    sd["model.3.running_mean"] = torch.tensor([0.1, -1.0e-3, 123456.789], dtype=torch.float64)
    sd["model.3.running_var"] = torch.ones(3)
    sd["model.3.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
    sd["scalar"] = torch.tensor(3.5)
    return sd


def hexbits(t):
    flat = t.detach().to(torch.float32).contiguous().reshape(-1)
    return ",".join("%08x" % struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in flat.tolist())


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict()
    torch.save(sd, os.path.join(OUT, "tiny.pth"))
    torch.save({"epoch": 3, "state_dict": sd}, os.path.join(OUT, "tiny_ckpt.pth"))
    torch.save(sd, os.path.join(OUT, "legacy.pth"), _use_new_zipfile_serialization=False)

    rows = []
    for name, t in sd.items():
        rows.append(("tiny.pth", name, t))
    meta = {"format": "pt", "source": "tools/make_weight_fixtures.py"}
    for tag, dt in (("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16)):
        conv = collections.OrderedDict()
        for name, t in sd.items():
            conv[name] = (t.to(dt) if t.is_floating_point() else t).contiguous().clone()
        fname = "tiny_%s.safetensors" % tag
        save_file(conv, os.path.join(OUT, fname), metadata=meta)
        for name, t in conv.items():
            rows.append((fname, name, t))
    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        for fname, name, t in rows:
            f.write("%s\t%s\t%s\t%s\n" % (fname, name, ",".join(str(d) for d in t.shape), hexbits(t)))

    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))

    evil = pickle.dumps({"model.0.weight": Evil()}, protocol=2)
    assert b"system" in evil
    with zipfile.ZipFile(os.path.join(OUT, "evil_system.pth"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("evil_system/data.pkl", evil)
        z.writestr("evil_system/version", "3\n")

    class EvilEval:
        def __reduce__(self):
            return (eval, ("0",))

    evil2 = pickle.dumps({"w": EvilEval()}, protocol=4)
    assert b"builtins" in evil2 and b"eval" in evil2
    with zipfile.ZipFile(os.path.join(OUT, "evil_eval.pth"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("evil_eval/data.pkl", evil2)
        z.writestr("evil_eval/version", "3\n")

    with zipfile.ZipFile(os.path.join(OUT, "tiny.pth")) as src, \
            zipfile.ZipFile(os.path.join(OUT, "compressed.pth"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename.replace("tiny/", "compressed/", 1), src.read(info.filename))

    total = 0
    for fn in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, fn))
        total += size
        print("%8d  %s" % (size, fn))
    print("%8d  total" % total)


if __name__ == "__main__":
    main()
