#!/usr/bin/env python3
"""Write the fixtures of legacy checkpoint import and `gantool import` (Fixtures/import/).

How to run (from the repository root; see tools/make_weight_fixtures.py for the venv):

    /tmp/ganvenv/bin/pip install torch==2.13.0 safetensors numpy
    /tmp/ganvenv/bin/python tools/make_import_fixtures.py

The generator is junyanz/pytorch-CycleGAN-and-pix2pix `ResnetGenerator` (models/networks.py), copied
below, with tiny settings: ngf=2, n_blocks=1, instance norm, no dropout, reflect padding.

Output (Fixtures/import/, about 40 KiB in all):
  tiny_G_A.pth       legacy format (torch.save(..., _use_new_zipfile_serialization=False)), saved as from
                     DataParallel (every key has a `module.` prefix), plus InstanceNorm running_mean /
                     running_var of model.2 as PyTorch < 0.4 wrote them (junyanz deletes them on load).
  tiny_G_B.pth       the other generator, zip format, plain keys.
  expected.safetensors
                     `input` [1,3,16,12] and PyTorch's outputs `G_A` = G_A(input), `G_B` = G_B(input).
  evil_legacy.pth    a legacy stream (magic, version, sys_info) whose object pickle is
                     (os.system, ("true",)) -- harmless even if someone loads it.
"""
import collections
import io
import os
import pickle
import sys

import torch
import torch.nn as nn
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "import")


class ResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        norm = lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=True), norm(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, padding=0, bias=True), norm(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, input_nc=3, output_nc=3, ngf=64, n_blocks=9):
        super().__init__()
        norm = lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, padding=0, bias=True), norm(ngf), nn.ReLU(True)]
        for i in range(2):
            mult = 2 ** i
            model += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=True),
                      norm(ngf * mult * 2), nn.ReLU(True)]
        mult = 4
        for i in range(n_blocks):
            model += [ResnetBlock(ngf * mult)]
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1, bias=True),
                      norm(ngf * mult // 2), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(2019)
    g_a = ResnetGenerator(ngf=2, n_blocks=1).eval()
    g_b = ResnetGenerator(ngf=2, n_blocks=1).eval()
    x = torch.rand(1, 3, 16, 12) * 2 - 1
    with torch.no_grad():
        out_a = g_a(x)
        out_b = g_b(x)

    sd_a = collections.OrderedDict()
    for k, v in g_a.state_dict().items():
        sd_a["module." + k] = v
    sd_a["module.model.2.running_mean"] = torch.zeros(2)
    sd_a["module.model.2.running_var"] = torch.ones(2)
    torch.save(sd_a, os.path.join(OUT, "tiny_G_A.pth"), _use_new_zipfile_serialization=False)
    torch.save(g_b.state_dict(), os.path.join(OUT, "tiny_G_B.pth"))
    save_file({"input": x.contiguous(), "G_A": out_a.contiguous(), "G_B": out_b.contiguous()},
              os.path.join(OUT, "expected.safetensors"))

    # Round trip through torch itself: the legacy file loads back with the same values.
    back = torch.load(os.path.join(OUT, "tiny_G_A.pth"), weights_only=True)
    assert list(back.keys()) == list(sd_a.keys())
    assert all(torch.equal(back[k], sd_a[k]) for k in sd_a)

    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))

    buf = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, buf, protocol=2)
    pickle.dump(1001, buf, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": sys.byteorder == "little",
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, buf, protocol=2)
    pickle.dump({"model.0.weight": Evil()}, buf, protocol=2)
    pickle.dump([], buf, protocol=2)
    assert b"system" in buf.getvalue()
    with open(os.path.join(OUT, "evil_legacy.pth"), "wb") as f:
        f.write(buf.getvalue())

    total = 0
    for fn in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, fn))
        total += size
        print("%8d  %s" % (size, fn))
    print("%8d  total" % total)


if __name__ == "__main__":
    main()
