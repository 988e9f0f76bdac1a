#!/usr/bin/env python3
"""PyTorch parity fixtures for the label-conditional GAN's whole networks (GANConditional).

How to run (not run by CI; the fixtures it writes are committed):
    pip install torch==2.13.0 safetensors
    python3 tools/make_conditional_fixtures.py

It writes Fixtures/parity-conditional/<case>.safetensors in the layout of tools/make_parity_fixtures.py
(whose `save` it reuses: reference in float64, stored as float32; `input.0` the latents or images,
`param.*` the state dict, `grad.*` the gradients of sum(output * grad_output), `after.*` buffers after
the forward). The labels are in the config. GANConditionalTests' NetworkParityTests reads them.

Cases (small widths; batch norm and spectral norm in training mode, as in a training step):
    conditional_generator       z [3, 8] -> Linear -> [2w, s/4, s/4] -> CBN -> ReLU -> [Conv3x3 -> CBN -> ReLU]
                                -> ConvT 4x4/2 -> CBN -> ReLU -> [Conv3x3 -> CBN -> ReLU] -> ConvT 4x4/2 -> tanh,
                                w 4, 12x12x1 images, 5 classes, one 3x3 conv per scale
    conditional_generator_plain the same without the 3x3 convs (the DCGAN stack)
    projection_discriminator    SNConv 4x4/2 -> lReLU(0.1) -> SNConv 4x4/2 -> lReLU -> SNConv 3x3 -> lReLU -> mean pool
                                -> SN Linear + <embed(y), phi>, w 4, on 12x12x1 images
    acgan_discriminator         the same trunk; output [logit | class logits] concatenated
    projection_discriminator_deep  the projection network with one SNConv 3x3 -> lReLU after each down-sampling
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_parity_fixtures as base  # noqa: E402

base.OUT = os.path.join(base.ROOT, "Fixtures", "parity-conditional")


class ConditionalBatchNorm(nn.Module):
    """Batch norm without affine, then a per-class scale (`weights`) and shift (`biases`) looked up by label."""

    def __init__(self, channels, classes):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.weights = nn.Embedding(classes, channels)
        self.biases = nn.Embedding(classes, channels)

    def forward(self, x, labels):
        return self.norm(x) * self.weights(labels)[:, :, None, None] + self.biases(labels)[:, :, None, None]


class ConditionalGenerator(nn.Module):
    def __init__(self, latent, w, size, channels, classes, convs_per_scale, labels):
        super().__init__()
        self.w, self.s0, self.labels = w, size // 4, labels
        self.fc = nn.Linear(latent, 2 * w * self.s0 * self.s0)
        self.bn0 = ConditionalBatchNorm(2 * w, classes)
        self.up1 = nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False)
        self.bn1 = ConditionalBatchNorm(w, classes)
        self.up2 = nn.ConvTranspose2d(w, channels, 4, 2, 1)
        for i, c in enumerate([2 * w, w]):
            for j in range(convs_per_scale):
                setattr(self, f"conv{i}_{j}", nn.Conv2d(c, c, 3, 1, 1, bias=False))
                setattr(self, f"cbn{i}_{j}", ConditionalBatchNorm(c, classes))
        self.k = convs_per_scale

    def refine(self, h, i):
        for j in range(self.k):
            h = F.relu(getattr(self, f"cbn{i}_{j}")(getattr(self, f"conv{i}_{j}")(h), self.labels))
        return h

    def forward(self, z):
        h = self.fc(z).reshape(z.shape[0], 2 * self.w, self.s0, self.s0)
        h = self.refine(F.relu(self.bn0(h, self.labels)), 0)
        h = self.refine(F.relu(self.bn1(self.up1(h), self.labels)), 1)
        return torch.tanh(self.up2(h))


class ConditionalDiscriminator(nn.Module):
    def __init__(self, w, channels, classes, head, labels, convs_per_scale=0):
        super().__init__()
        sn = nn.utils.spectral_norm
        self.labels, self.head_kind, self.k = labels, head, convs_per_scale
        self.conv1 = sn(nn.Conv2d(channels, w, 4, 2, 1))
        self.conv2 = sn(nn.Conv2d(w, 2 * w, 4, 2, 1))
        self.conv3 = sn(nn.Conv2d(2 * w, 2 * w, 3, 1, 1))
        self.head = sn(nn.Linear(2 * w, 1))
        if head == "projection":
            self.embed = nn.Embedding(classes, 2 * w)
        else:
            self.classifier = sn(nn.Linear(2 * w, classes))
        for i, c in [(1, w), (2, 2 * w)]:
            for j in range(convs_per_scale):
                setattr(self, f"conv{i}_{j}", sn(nn.Conv2d(c, c, 3, 1, 1)))

    def refine(self, h, i):
        for j in range(self.k):
            h = F.leaky_relu(getattr(self, f"conv{i}_{j}")(h), 0.1)
        return h

    def forward(self, x):
        h = self.refine(F.leaky_relu(self.conv1(x), 0.1), 1)
        h = self.refine(F.leaky_relu(self.conv2(h), 0.1), 2)
        h = F.leaky_relu(self.conv3(h), 0.1)
        phi = h.mean(dim=(2, 3))
        if self.head_kind == "projection":
            return self.head(phi) + (self.embed(self.labels) * phi).sum(dim=1, keepdim=True)
        return torch.cat([self.head(phi), self.classifier(phi)], dim=1)


def randomized(module):
    """Random norms' scales and shifts (PyTorch starts them at 1 and 0), so that their gradients are checked."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if ".weights." in name or ".biases." in name:
                p.copy_(torch.randn_like(p) * 0.5 + (1 if ".weights." in name else 0))
    return module


def main():
    torch.manual_seed(2718)
    os.makedirs(base.OUT, exist_ok=True)
    for f in os.listdir(base.OUT):
        if f.endswith(".safetensors"):
            os.remove(os.path.join(base.OUT, f))
    rand = base.rand
    labels = torch.tensor([3, 0, 4])
    n = 0
    for name, k in [("conditional_generator", 1), ("conditional_generator_plain", 0)]:
        g = randomized(ConditionalGenerator(8, 4, 12, 1, 5, k, labels))
        n += base.save(name, {"op": "conditional_generator", "latent": 8, "width": 4, "image_size": 12, "channels": 1,
                              "classes": 5, "convs_per_scale": k, "labels": labels.tolist()},
                       [rand(3, 8)], g,
                       buffers_after=[b for b, _ in g.named_buffers() if b.endswith("running_mean") or b.endswith("running_var")])
    for name, head, k in [("projection_discriminator", "projection", 0), ("acgan_discriminator", "acgan", 0),
                          ("projection_discriminator_deep", "projection", 1)]:
        d = ConditionalDiscriminator(4, 1, 5, head, labels, k)
        n += base.save(name, {"op": "conditional_discriminator", "width": 4, "image_size": 12, "channels": 1, "classes": 5,
                              "head": head, "convs_per_scale": k, "labels": labels.tolist()},
                       [rand(3, 1, 12, 12)], d,
                       buffers_after=[b for b, _ in d.named_buffers() if b.endswith("weight_u")])
    total = sum(os.path.getsize(os.path.join(base.OUT, f)) for f in os.listdir(base.OUT))
    print(f"wrote {len(os.listdir(base.OUT))} fixtures, {total / 1024:.0f} KiB, into {base.OUT}")


if __name__ == "__main__":
    main()
