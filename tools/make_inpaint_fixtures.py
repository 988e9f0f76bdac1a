#!/usr/bin/env python3
"""PyTorch parity fixtures for the layers the inpainting GAN adds to GANCore: dilated convolutions
and DeepFill v2's gated convolution.

How to run (not run by CI; the fixtures it writes are committed):
    pip install torch==2.13.0 safetensors
    python3 tools/make_inpaint_fixtures.py

It writes Fixtures/parity-inpaint/<case>.safetensors in the layout of tools/make_parity_fixtures.py
(whose `save` it reuses; reference in float64, stored as float32), kept in their own folder because
that script clears Fixtures/parity before writing. GANCoreTests' ParityTests reads both folders.

Cases:
    conv2d_dilated_winograd  3x3, 16 -> 16 channels, stride 1, dilation 2: the shape conv2d would
                             send to Winograd if dilation were ignored
    conv2d_dilated_thin      3x3, 16 -> 3 channels, no padding, dilation 3: the shifted-tap shape
    conv2d_dilated_s2        3x3, stride 2, padding 4, dilation 4 (im2col with strides)
    gated_conv2d_dilated     GatedConv2d: one conv to 2*out channels, out = leaky_relu(f, 0.2) * sigmoid(g),
                             dilation 2
    gated_conv2d_linear_s2   the same with no activation on the features, stride 2
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_parity_fixtures as base  # noqa: E402

base.OUT = os.path.join(base.ROOT, "Fixtures", "parity-inpaint")


class GatedConv2d(nn.Module):
    """DeepFill v2's gated convolution as GANCore builds it: child `conv` with 2*out channels,
    the first half features, the second half gates."""

    def __init__(self, cin, cout, k, stride=1, padding=0, dilation=1, activation=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, 2 * cout, k, stride=stride, padding=padding, dilation=dilation)
        self.cout = cout
        self.activation = activation

    def forward(self, x):
        y = self.conv(x)
        f, g = y[:, : self.cout], y[:, self.cout:]
        if self.activation:
            f = F.leaky_relu(f, 0.2)
        return f * torch.sigmoid(g)


def main():
    torch.manual_seed(4321)
    os.makedirs(base.OUT, exist_ok=True)
    for f in os.listdir(base.OUT):
        if f.endswith(".safetensors"):
            os.remove(os.path.join(base.OUT, f))
    rand = base.rand
    n = 0
    n += base.save("conv2d_dilated_winograd", {"op": "conv2d", "stride": 1, "padding": 2, "dilation": 2},
                   [rand(1, 16, 9, 8)], nn.Conv2d(16, 16, 3, padding=2, dilation=2))
    n += base.save("conv2d_dilated_thin", {"op": "conv2d", "stride": 1, "padding": 0, "dilation": 3},
                   [rand(1, 16, 10, 9)], nn.Conv2d(16, 3, 3, dilation=3))
    n += base.save("conv2d_dilated_s2", {"op": "conv2d", "stride": 2, "padding": 4, "dilation": 4},
                   [rand(2, 3, 9, 11)], nn.Conv2d(3, 4, 3, stride=2, padding=4, dilation=4))
    n += base.save("gated_conv2d_dilated", {"op": "gated_conv2d", "stride": 1, "padding": 2, "dilation": 2,
                                            "activation": "leaky_relu", "slope": 0.2},
                   [rand(2, 3, 7, 6)], GatedConv2d(3, 4, 3, padding=2, dilation=2))
    n += base.save("gated_conv2d_linear_s2", {"op": "gated_conv2d", "stride": 2, "padding": 1, "dilation": 1,
                                              "activation": "none", "slope": 0},
                   [rand(1, 4, 8, 7)], GatedConv2d(4, 3, 3, stride=2, padding=1, activation=False))
    print(f"wrote {len(os.listdir(base.OUT))} fixtures ({n} floats) to {base.OUT}")


if __name__ == "__main__":
    main()
