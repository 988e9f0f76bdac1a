#!/usr/bin/env python3
"""PyTorch reference for GANKit's U-GAT-IT networks (Fixtures/ugatit/*.safetensors).

Re-states znxlwm/UGATIT-pytorch's networks.py (light generator: ResnetGenerator(light=True) with ResnetBlock,
ResnetAdaILNBlock, adaILN, ILN; Discriminator with spectral norm) from the paper's definitions, with one change that
GANKit makes too: the instance and layer statistics are the biased variance of each plane and of each sample (the
paper's and the TensorFlow code's), where the PyTorch code takes a variance of variances. Small widths, float64.

Writes, for the generator (ngf 4, 1 + 1 residual blocks, 32x32) and a local discriminator (ndf 4, 5 levels, 32x32):
    input                the input batch [2, 3, 32, 32]
    param.NAME           parameters and buffers under their state_dict names (weight_orig, weight_u, weight_v)
    output.image / output.patches, output.cam   the forward results (the discriminator in training mode: one power
                                                iteration, as in training)
    grad_output.*        the seeded upstream gradients
    grad.input, grad.NAME   d(sum(output * grad_output)) / d input and each parameter
Run: python3 tools/make_ugatit_fixture.py (torch 2.13, safetensors).
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "Fixtures", "ugatit")


def mix_norm(x, rho, eps=1e-5):
    in_mean, in_var = x.mean(dim=(2, 3), keepdim=True), x.var(dim=(2, 3), keepdim=True, unbiased=False)
    ln_mean, ln_var = x.mean(dim=(1, 2, 3), keepdim=True), x.var(dim=(1, 2, 3), keepdim=True, unbiased=False)
    out_in = (x - in_mean) / torch.sqrt(in_var + eps)
    out_ln = (x - ln_mean) / torch.sqrt(ln_var + eps)
    return rho * out_in + (1 - rho) * out_ln


class adaILN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.rho = nn.Parameter(torch.full((1, c, 1, 1), 0.9))

    def forward(self, x, gamma, beta):
        return mix_norm(x, self.rho) * gamma[:, :, None, None] + beta[:, :, None, None]


class ILN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.rho = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.gamma = nn.Parameter(torch.ones(1, c, 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, x):
        return mix_norm(x, self.rho) * self.gamma + self.beta


class ResnetBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv_block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False), nn.InstanceNorm2d(c), nn.ReLU(),
                                        nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False), nn.InstanceNorm2d(c))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetAdaILNBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.norm1 = nn.Conv2d(c, c, 3, bias=False), adaILN(c)
        self.conv2, self.norm2 = nn.Conv2d(c, c, 3, bias=False), adaILN(c)

    def forward(self, x, gamma, beta):
        h = F.relu(self.norm1(self.conv1(F.pad(x, (1, 1, 1, 1), mode="reflect")), gamma, beta))
        return x + self.norm2(self.conv2(F.pad(h, (1, 1, 1, 1), mode="reflect")), gamma, beta)


class Generator(nn.Module):
    def __init__(self, ngf, blocks):
        super().__init__()
        down = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7, bias=False), nn.InstanceNorm2d(ngf), nn.ReLU()]
        for mult in (1, 2):
            down += [nn.ReflectionPad2d(1), nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, bias=False),
                     nn.InstanceNorm2d(ngf * mult * 2), nn.ReLU()]
        c = 4 * ngf
        down += [ResnetBlock(c) for _ in range(blocks)]
        self.DownBlock = nn.Sequential(*down)
        self.gap_fc, self.gmp_fc = nn.Linear(c, 1, bias=False), nn.Linear(c, 1, bias=False)
        self.conv1x1 = nn.Conv2d(2 * c, c, 1)
        self.FC = nn.Sequential(nn.Linear(c, c, bias=False), nn.ReLU(), nn.Linear(c, c, bias=False), nn.ReLU())
        self.gamma, self.beta = nn.Linear(c, c, bias=False), nn.Linear(c, c, bias=False)
        self.blocks = blocks
        for i in range(blocks):
            setattr(self, "UpBlock1_%d" % (i + 1), ResnetAdaILNBlock(c))
        up = []
        for mult in (4, 2):
            up += [nn.Upsample(scale_factor=2, mode="nearest"), nn.ReflectionPad2d(1),
                   nn.Conv2d(ngf * mult, ngf * mult // 2, 3, bias=False), ILN(ngf * mult // 2), nn.ReLU()]
        up += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7, bias=False), nn.Tanh()]
        self.UpBlock2 = nn.Sequential(*up)

    def forward(self, x):
        x = self.DownBlock(x)
        gap_logit = self.gap_fc(F.adaptive_avg_pool2d(x, 1).flatten(1))
        gmp_logit = self.gmp_fc(F.adaptive_max_pool2d(x, 1).flatten(1))
        gap = x * self.gap_fc.weight[0][None, :, None, None]
        gmp = x * self.gmp_fc.weight[0][None, :, None, None]
        cam = torch.cat([gap_logit, gmp_logit], 1)
        x = F.relu(self.conv1x1(torch.cat([gap, gmp], 1)))
        style = self.FC(F.adaptive_avg_pool2d(x, 1).flatten(1))
        gamma, beta = self.gamma(style), self.beta(style)
        for i in range(self.blocks):
            x = getattr(self, "UpBlock1_%d" % (i + 1))(x, gamma, beta)
        return self.UpBlock2(x), cam


class Discriminator(nn.Module):
    """The spectral-norm weights are used for both the CAM logits and the channel scaling (GANKit's choice; the
    PyTorch code scales by `weight_orig`)."""

    def __init__(self, ndf, layers):
        super().__init__()
        sn = nn.utils.spectral_norm
        model = [nn.ReflectionPad2d(1), sn(nn.Conv2d(3, ndf, 4, stride=2)), nn.LeakyReLU(0.2)]
        for i in range(1, layers - 2):
            model += [nn.ReflectionPad2d(1), sn(nn.Conv2d(ndf << (i - 1), ndf << i, 4, stride=2)), nn.LeakyReLU(0.2)]
        model += [nn.ReflectionPad2d(1), sn(nn.Conv2d(ndf << (layers - 3), ndf << (layers - 2), 4)), nn.LeakyReLU(0.2)]
        self.model = nn.Sequential(*model)
        c = ndf << (layers - 2)
        self.gap_fc, self.gmp_fc = sn(nn.Linear(c, 1, bias=False)), sn(nn.Linear(c, 1, bias=False))
        self.conv1x1 = nn.Conv2d(2 * c, c, 1)
        self.conv = sn(nn.Conv2d(c, 1, 4, bias=False))

    def forward(self, x):
        x = self.model(x)
        gap_logit = self.gap_fc(F.adaptive_avg_pool2d(x, 1).flatten(1))
        gmp_logit = self.gmp_fc(F.adaptive_max_pool2d(x, 1).flatten(1))
        gap = x * self.gap_fc.weight[0][None, :, None, None]
        gmp = x * self.gmp_fc.weight[0][None, :, None, None]
        cam = torch.cat([gap_logit, gmp_logit], 1)
        x = F.leaky_relu(self.conv1x1(torch.cat([gap, gmp], 1)), 0.2)
        return self.conv(F.pad(x, (1, 1, 1, 1), mode="reflect")), cam


def write(name, module, outputs_names, config):
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    state = {k: v.detach().clone() for k, v in module.state_dict().items()}
    module.train()
    outputs = module(x)
    tensors = {"input": x.detach()}
    tensors.update({"param." + k: v for k, v in state.items()})
    loss = 0
    for key, out in zip(outputs_names, outputs):
        g = torch.randn_like(out)
        tensors["output." + key], tensors["grad_output." + key] = out.detach(), g
        loss = loss + (out * g).sum()
    loss.backward()
    tensors["grad.input"] = x.grad
    for k, p in module.named_parameters():
        tensors["grad." + k] = p.grad
    os.makedirs(OUT, exist_ok=True)
    save_file({k: v.float().contiguous() for k, v in tensors.items()}, os.path.join(OUT, name + ".safetensors"),
              metadata={"config": json.dumps(config)})


# Non-default mixes and styles so that both halves of each norm matter.
g = Generator(4, 1)
with torch.no_grad():
    for name, p in g.named_parameters():
        if name.endswith("rho"):
            p.uniform_(0.2, 0.8)
write("generator", g, ["image", "cam"], {"ngf": 4, "blocks": 1})
write("discriminator", Discriminator(4, 5), ["patches", "cam"], {"ndf": 4, "layers": 5})
print("wrote", OUT)
