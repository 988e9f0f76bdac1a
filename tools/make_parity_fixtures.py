#!/usr/bin/env python3
"""PyTorch parity fixtures for GANCore: each op and three reference networks, forward and backward.

How to run (not run by CI; the fixtures it writes are committed):
    pip install torch==2.13.0 safetensors    # the CPU wheel; a bare `pip install torch` pulls CUDA
    python3 tools/make_parity_fixtures.py

What it writes: Fixtures/parity/<case>.safetensors, one file per case, float32 tensors:
    input.N       the inputs (input.0, input.1, ...); integer inputs (labels) are stored as float
    param.NAME    parameters and buffers under their PyTorch state_dict names (model.1.weight)
    output        the forward result
    grad_output   the upstream gradient fed to backward (seeded random)
    grad.input.N  d(sum(output * grad_output)) / d input.N
    grad.NAME     the same for each parameter
    after.NAME    buffers after the forward (running stats, spectral-norm u), where they change
and in the header metadata, `config`: a JSON object saying which op and with which settings.

The reference is computed in float64 and stored as float32, so that the tolerance the Swift
tests apply (max |ours - ref| / max |ref| <= 1e-4 per tensor) measures our error, not torch's.
The three networks follow the building blocks of junyanz/pytorch-CycleGAN-and-pix2pix
(ResnetGenerator with instance norm and reflection padding, UnetGenerator with batch norm,
NLayerDiscriminator/PatchGAN), written out here from their published architecture.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "parity")
torch.manual_seed(1234)
DT = torch.float64


def rand(*shape):
    return torch.randn(*shape, dtype=DT)


def save(name, config, inputs, module=None, fn=None, buffers_after=(), extra=None, params=None):
    """Runs forward and backward of `module` (or `fn`, whose trainable tensors are `params`,
    name -> tensor) on `inputs` and writes the case."""
    inputs = [x.clone().requires_grad_(x.is_floating_point()) for x in inputs]
    tensors = {}
    for i, x in enumerate(inputs):
        tensors[f"input.{i}"] = x.detach()
    params = {k: v.requires_grad_(True) for k, v in (params or {}).items()}
    for k, v in params.items():
        tensors[f"param.{k}"] = v.detach().clone()
    if module is not None:
        module = module.double()
        for k, v in module.state_dict().items():
            tensors[f"param.{k}"] = v.detach().clone()
        params.update(dict(module.named_parameters()))
        out = module(*inputs)
    else:
        out = fn(*inputs)
    grad_out = torch.randn_like(out)
    (out * grad_out).sum().backward()
    tensors["output"] = out.detach()
    tensors["grad_output"] = grad_out
    for i, x in enumerate(inputs):
        if x.requires_grad and x.grad is not None:
            tensors[f"grad.input.{i}"] = x.grad
    for k, p in params.items():
        if p.grad is not None:
            tensors[f"grad.{k}"] = p.grad
    if module is not None:
        state = module.state_dict()
        for k in buffers_after:
            tensors[f"after.{k}"] = state[k].detach().clone()
    if extra:
        tensors.update(extra)
    tensors = {k: v.detach().to(torch.float32).contiguous() for k, v in tensors.items()}
    save_file(tensors, os.path.join(OUT, name + ".safetensors"), metadata={"config": json.dumps(config)})
    return sum(v.numel() for v in tensors.values())


# ---------------------------------------------------------------- reference networks

class ResnetBlock(nn.Module):
    """x + [pad, conv3x3, norm, relu, (dropout), pad, conv3x3, norm](x)."""

    def __init__(self, dim, norm, use_bias):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=use_bias), norm(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=use_bias), norm(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """c7s1-ngf, d2ngf, d4ngf, n residual blocks, u2ngf, ungf, c7s1-out, tanh."""

    def __init__(self, input_nc, output_nc, ngf, n_blocks):
        super().__init__()
        norm = lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
        use_bias = True  # instance norm has no shift, so convs carry a bias
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=use_bias), norm(ngf), nn.ReLU(True)]
        for i in range(2):
            m = 2 ** i
            layers += [nn.Conv2d(ngf * m, ngf * m * 2, 3, stride=2, padding=1, bias=use_bias), norm(ngf * m * 2), nn.ReLU(True)]
        for _ in range(n_blocks):
            layers += [ResnetBlock(ngf * 4, norm, use_bias)]
        for i in range(2):
            m = 2 ** (2 - i)
            layers += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1, output_padding=1, bias=use_bias),
                       norm(ngf * m // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class UnetBlock(nn.Module):
    """x -> [x, up(sub(down(x)))] (outermost: no concat, tanh)."""

    def __init__(self, outer_nc, inner_nc, input_nc=None, sub=None, outermost=False, innermost=False):
        super().__init__()
        self.outermost = outermost
        input_nc = input_nc or outer_nc
        use_bias = False  # batch norm carries the shift
        downconv = nn.Conv2d(input_nc, inner_nc, 4, stride=2, padding=1, bias=use_bias)
        if outermost:
            model = [downconv, sub, nn.ReLU(True), nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, stride=2, padding=1), nn.Tanh()]
        elif innermost:
            model = [nn.LeakyReLU(0.2, True), downconv, nn.ReLU(True),
                     nn.ConvTranspose2d(inner_nc, outer_nc, 4, stride=2, padding=1, bias=use_bias), nn.BatchNorm2d(outer_nc)]
        else:
            model = [nn.LeakyReLU(0.2, True), downconv, nn.BatchNorm2d(inner_nc), sub, nn.ReLU(True),
                     nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, stride=2, padding=1, bias=use_bias), nn.BatchNorm2d(outer_nc)]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, num_downs, ngf):
        super().__init__()
        block = UnetBlock(ngf * 8, ngf * 8, innermost=True)
        for _ in range(num_downs - 5):
            block = UnetBlock(ngf * 8, ngf * 8, sub=block)
        block = UnetBlock(ngf * 4, ngf * 8, sub=block)
        block = UnetBlock(ngf * 2, ngf * 4, sub=block)
        block = UnetBlock(ngf, ngf * 2, sub=block)
        self.model = UnetBlock(output_nc, ngf, input_nc=input_nc, sub=block, outermost=True)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    """PatchGAN: conv4s2-lrelu, (conv4s2-norm-lrelu) x (n-1), conv4s1-norm-lrelu, conv4s1 -> 1."""

    def __init__(self, input_nc, ndf, n_layers):
        super().__init__()
        norm = lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
        layers = [nn.Conv2d(input_nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=2, padding=1, bias=True), norm(ndf * mult), nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=1, padding=1, bias=True), norm(ndf * mult), nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


def randomize(module):
    """Non-trivial parameters everywhere (init normal(0, 0.02) would hide scale bugs)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.randn_like(p) * (0.3 if name.endswith("weight") else 0.1)
                    + (1.0 if "weight" in name and p.dim() == 1 else 0.0))
    return module


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".safetensors"):
            os.remove(os.path.join(OUT, f))
    n = 0
    # Convolutions.
    n += save("conv2d_s2p1", {"op": "conv2d", "stride": 2, "padding": 1}, [rand(2, 3, 7, 6)],
              nn.Conv2d(3, 4, 3, stride=2, padding=1))
    n += save("conv2d_k7_nobias", {"op": "conv2d", "stride": 1, "padding": 0}, [rand(1, 2, 9, 9)],
              nn.Conv2d(2, 3, 7, bias=False))
    n += save("conv2d_k4s1p1", {"op": "conv2d", "stride": 1, "padding": 1}, [rand(1, 3, 5, 5)],
              nn.Conv2d(3, 2, 4, stride=1, padding=1))
    n += save("conv_transpose2d_k3s2p1op1", {"op": "conv_transpose2d", "stride": 2, "padding": 1, "output_padding": 1},
              [rand(2, 4, 5, 4)], nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1))
    n += save("conv_transpose2d_k4s2p1", {"op": "conv_transpose2d", "stride": 2, "padding": 1, "output_padding": 0},
              [rand(1, 4, 4, 4)], nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1, bias=False))
    # Padding: (left, right, top, bottom) as torch orders it.
    n += save("reflection_pad2d", {"op": "reflection_pad2d", "padding": [1, 2, 2, 1]}, [rand(1, 2, 5, 6)],
              nn.ReflectionPad2d((1, 2, 2, 1)))
    n += save("replication_pad2d", {"op": "replication_pad2d", "padding": [2, 1, 1, 3]}, [rand(1, 2, 4, 5)],
              nn.ReplicationPad2d((2, 1, 1, 3)))
    # Normalization.
    n += save("instance_norm", {"op": "instance_norm", "affine": False, "eps": 1e-5}, [rand(2, 3, 5, 4) * 2 + 1],
              nn.InstanceNorm2d(3))
    n += save("instance_norm_affine", {"op": "instance_norm", "affine": True, "eps": 1e-5}, [rand(2, 3, 5, 4)],
              randomize(nn.InstanceNorm2d(3, affine=True)))
    bn = randomize(nn.BatchNorm2d(2)).double()
    bn.running_mean.copy_(torch.tensor([0.5, -0.2])); bn.running_var.copy_(torch.tensor([1.5, 0.7]))
    n += save("batch_norm_train", {"op": "batch_norm", "training": True, "momentum": 0.1, "eps": 1e-5},
              [rand(3, 2, 4, 5) * 1.5 + 0.3], bn, buffers_after=["running_mean", "running_var", "num_batches_tracked"])
    bn_eval = randomize(nn.BatchNorm2d(2)).double().eval()
    bn_eval.running_mean.copy_(torch.tensor([0.5, -0.2])); bn_eval.running_var.copy_(torch.tensor([1.5, 0.7]))
    n += save("batch_norm_eval", {"op": "batch_norm", "training": False, "eps": 1e-5}, [rand(3, 2, 4, 5)], bn_eval)
    # Conditional batch norm: batch norm without affine, then per-class scale and shift.
    gamma, beta = rand(4, 3) * 0.5 + 1, rand(4, 3) * 0.5
    labels = torch.tensor([2, 0, 3])

    def cbn(x):
        normalized = F.batch_norm(x, None, None, training=True, eps=1e-5)
        return normalized * gamma[labels][:, :, None, None] + beta[labels][:, :, None, None]
    n += save("conditional_batch_norm", {"op": "conditional_batch_norm", "eps": 1e-5, "classes": 4, "labels": labels.tolist()},
              [rand(3, 3, 4, 4)], fn=cbn, params={"gamma.weight": gamma, "beta.weight": beta})
    # Dense layers.
    n += save("linear", {"op": "linear"}, [rand(4, 5)], nn.Linear(5, 3))
    table = rand(7, 4)
    indices = [3, 0, 6, 3, 1]
    n += save("embedding", {"op": "embedding", "indices": indices}, [], fn=lambda: table[torch.tensor(indices)],
              params={"weight": table})
    # Activations.
    act_in = rand(2, 3, 4, 4) * 2
    n += save("relu", {"op": "relu"}, [act_in], nn.ReLU())
    n += save("leaky_relu", {"op": "leaky_relu", "slope": 0.2}, [act_in], nn.LeakyReLU(0.2))
    n += save("tanh", {"op": "tanh"}, [act_in], nn.Tanh())
    n += save("sigmoid", {"op": "sigmoid"}, [act_in], nn.Sigmoid())
    # Resampling and pooling.
    n += save("upsample_nearest", {"op": "upsample_nearest", "scale": 2}, [rand(1, 2, 3, 4)], nn.Upsample(scale_factor=2, mode="nearest"))
    n += save("upsample_bilinear", {"op": "upsample_bilinear", "scale": 2, "align_corners": False}, [rand(1, 2, 3, 4)],
              nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False))
    n += save("avg_pool_k2s2", {"op": "avg_pool2d", "kernel": 2, "stride": 2, "padding": 0}, [rand(1, 2, 6, 5)], nn.AvgPool2d(2, 2))
    n += save("avg_pool_k3s2p1", {"op": "avg_pool2d", "kernel": 3, "stride": 2, "padding": 1}, [rand(1, 2, 7, 6)], nn.AvgPool2d(3, 2, 1))
    # Structure and arithmetic.
    n += save("concat", {"op": "concat", "dim": 1}, [rand(2, 2, 3, 3), rand(2, 3, 3, 3)], fn=lambda a, b: torch.cat([a, b], 1))
    n += save("add", {"op": "add"}, [rand(2, 3, 2, 2), rand(2, 3, 2, 2)], fn=lambda a, b: a + b)
    n += save("mul", {"op": "mul"}, [rand(2, 3, 2, 2), rand(2, 3, 2, 2)], fn=lambda a, b: a * b)
    n += save("sum", {"op": "sum"}, [rand(2, 3, 2, 2)], fn=lambda a: a.sum().reshape(1))
    n += save("mean", {"op": "mean"}, [rand(2, 3, 2, 2)], fn=lambda a: a.mean().reshape(1))
    # Losses (reduction: mean).
    pred, target = rand(2, 1, 3, 3), rand(2, 1, 3, 3)
    n += save("mse_loss", {"op": "mse_loss"}, [pred, target], fn=lambda a, b: F.mse_loss(a, b).reshape(1))
    n += save("l1_loss", {"op": "l1_loss"}, [pred, target], fn=lambda a, b: F.l1_loss(a, b).reshape(1))
    n += save("bce_with_logits", {"op": "bce_with_logits"}, [pred * 3, torch.rand(2, 1, 3, 3, dtype=DT)],
              fn=lambda a, b: F.binary_cross_entropy_with_logits(a, b).reshape(1))
    # GAN objectives from D's logits on real and fake: [D loss, G loss].
    real, fake = rand(2, 1, 3, 3) * 2, rand(2, 1, 3, 3) * 2
    objectives = {
        "minimax": (lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(), lambda f: -F.softplus(f).mean()),
        "nonsaturating": (lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(), lambda f: F.softplus(-f).mean()),
        "lsgan": (lambda r, f: 0.5 * (((r - 1) ** 2).mean() + (f ** 2).mean()), lambda f: ((f - 1) ** 2).mean()),
        "hinge": (lambda r, f: F.relu(1 - r).mean() + F.relu(1 + f).mean(), lambda f: -f.mean()),
    }
    for name, (d_loss, g_loss) in objectives.items():
        n += save(f"gan_{name}", {"op": "gan_objective", "objective": name, "output": "[d_loss, g_loss]"}, [real, fake],
                  fn=lambda r, f, d=d_loss, g=g_loss: torch.stack([d(r, f), g(f)]))
    # Spectral norm (one power iteration from a stored u, as in training mode).
    conv = nn.Conv2d(3, 4, 3, padding=1).double()
    sn = nn.utils.spectral_norm(conv)
    u0 = sn.weight_u.detach().clone()
    n += save("spectral_norm_conv", {"op": "spectral_norm_conv2d", "stride": 1, "padding": 1, "power_iterations": 1, "eps": 1e-12},
              [rand(1, 3, 5, 5)], sn, buffers_after=["weight_u"], extra={"u_before": u0})
    # Optimizers: three steps on fixed gradients.
    p0, grads = rand(5), [rand(5) for _ in range(3)]
    for opt_name, make in {"adam": lambda p: torch.optim.Adam([p], lr=0.01, betas=(0.5, 0.999), eps=1e-8, weight_decay=0.01),
                           "sgd_momentum": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9)}.items():
        p = p0.clone().requires_grad_(True)
        opt = make(p)
        steps = {}
        for i, g in enumerate(grads):
            p.grad = g.clone(); opt.step(); steps[f"step.{i}"] = p.detach().clone()
        save_file({k: v.to(torch.float32).contiguous() for k, v in {"param": p0, **{f"grad.{i}": g for i, g in enumerate(grads)}, **steps}.items()},
                  os.path.join(OUT, f"optimizer_{opt_name}.safetensors"),
                  metadata={"config": json.dumps({"op": opt_name, "lr": 0.01 if opt_name == "adam" else 0.1,
                                                  "betas": [0.5, 0.999], "eps": 1e-8, "weight_decay": 0.01 if opt_name == "adam" else 0,
                                                  "momentum": 0.9})})
    # Reference networks, small instances.
    n += save("resnet_generator", {"op": "resnet_generator", "input_nc": 3, "output_nc": 3, "ngf": 4, "n_blocks": 2,
                                   "norm": "instance", "padding": "reflect"},
              [rand(1, 3, 20, 24)], randomize(ResnetGenerator(3, 3, 4, 2)))
    n += save("unet_generator", {"op": "unet_generator", "input_nc": 3, "output_nc": 2, "num_downs": 5, "ngf": 2, "norm": "batch",
                                 "training": True},
              [rand(2, 3, 32, 32)], randomize(UnetGenerator(3, 2, 5, 2)))
    n += save("nlayer_discriminator", {"op": "nlayer_discriminator", "input_nc": 3, "ndf": 4, "n_layers": 3, "norm": "instance"},
              [rand(1, 3, 32, 32)], randomize(NLayerDiscriminator(3, 4, 3)))
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} fixtures, {total / 1024:.0f} KiB, into {OUT}")
    if total > 2 * 1024 * 1024:
        sys.exit("fixtures exceed 2 MiB")


if __name__ == "__main__":
    main()
