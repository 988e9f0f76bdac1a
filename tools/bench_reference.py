#!/usr/bin/env python3
"""Reference timings for `gantool bench --compare`: PyTorch CPU and ONNX Runtime on the same
networks GANKit benchmarks, with the same thread count.

How to run:
    pip install torch==2.13.0 onnx onnxruntime    # CPU wheel of torch; a bare `pip install torch` pulls CUDA
    python3 tools/bench_reference.py --threads 2 [--json]

Measures (batch 1, float32):
  forward:  ResnetGenerator(3, 3, ngf=64, 9 blocks, instance norm), 256x256 input (49.6 GMAC),
            images/s for PyTorch (eager, no_grad) and ONNX Runtime (exported graph), and peak RSS
            of a separate process for each at 1024x1024.
  training: one CycleGAN iteration at 128x128 with ngf=32, 6 blocks: two generators, two PatchGAN
            discriminators (ndf 64, 3 layers), LSGAN + cycle (lambda 10) + identity (0.5), Adam
            (lr 2e-4, betas 0.5/0.999) for G and D, as junyanz's cycle_gan_model does it.
  label GAN: one training step of GANKit's label-conditional GAN at 28x28, batch 64, as
            ConditionalGANTrainer.trainStep does it: CBN generator (width 64, one 3x3 conv per scale),
            spectral-norm projection discriminator, hinge, Adam (2e-4, betas 0/0.9), generator average
            (0.999); recipe "mnist-cgan" (one D step) and "fashion" (one 3x3 SN conv after each D
            down-sampling, two D steps, diversity term weight 5). Random images: the work is the same.
            Seconds per step (best of the runs) and CPU time over wall time (cores kept busy).
  pix2pix:  one step at 128x128, batch 1 and 8, of faces-colorize's networks (gray -> colour): junyanz's U-Net
            (7 down-samplings, ngf 32, dropout, instance norm) and 3-layer PatchGAN (ndf 32) on the pair, D on the real
            and the generated pair, then G with GAN + 100 x L1 (non-saturating), Adam (2e-4, betas 0.5/0.999).
  inpaint:  one step of the gated-convolution inpainting GAN at 128x128, batch 4, with faces-inpaint's networks (DeepFill
            v2's coarse network, cnum 16; 6-layer SN-PatchGAN, ndf 32): D hinge on the real image and the composite,
            then G with hinge + L1, Adam (1e-4, betas 0.5/0.999).
The networks are defined in tools/make_parity_fixtures.py and tools/make_conditional_fixtures.py (the
architectures GANKit implements, checked against it there).

    python3 tools/bench_reference.py --threads 2 --only cgan --json    # the label-GAN rows alone
"""
import argparse
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_parity_fixtures import NLayerDiscriminator, ResnetGenerator  # noqa: E402
from make_conditional_fixtures import ConditionalDiscriminator, ConditionalGenerator  # noqa: E402

GMAC_256 = 49.6  # ResnetGenerator ngf 64 / 9 blocks at 256x256


def best_of(fn, repeats, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), sorted(times)[len(times) // 2]


def torch_forward(size, repeats):
    net = ResnetGenerator(3, 3, 64, 9).eval()
    x = torch.randn(1, 3, size, size)
    with torch.no_grad():
        return best_of(lambda: net(x), repeats)


def onnx_forward(size, repeats, threads):
    import onnxruntime as ort
    net = ResnetGenerator(3, 3, 64, 9).eval()
    x = torch.randn(1, 3, size, size)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "g.onnx")
        torch.onnx.export(net, x, path, input_names=["x"], output_names=["y"], opset_version=17, dynamo=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        feed = {"x": x.numpy()}
        return best_of(lambda: session.run(None, feed), repeats)


def training_iteration(repeats):
    gA, gB = ResnetGenerator(3, 3, 32, 6), ResnetGenerator(3, 3, 32, 6)
    dA, dB = NLayerDiscriminator(3, 64, 3), NLayerDiscriminator(3, 64, 3)
    optG = torch.optim.Adam(list(gA.parameters()) + list(gB.parameters()), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(list(dA.parameters()) + list(dB.parameters()), lr=2e-4, betas=(0.5, 0.999))
    realA, realB = torch.randn(1, 3, 128, 128), torch.randn(1, 3, 128, 128)

    def lsgan(pred, target):
        return F.mse_loss(pred, torch.full_like(pred, target))

    def step():
        fakeB, fakeA = gA(realA), gB(realB)
        recA, recB = gB(fakeB), gA(fakeA)
        for p in list(dA.parameters()) + list(dB.parameters()):
            p.requires_grad_(False)
        optG.zero_grad()
        idtA, idtB = gA(realB), gB(realA)
        loss_g = (lsgan(dA(fakeB), 1) + lsgan(dB(fakeA), 1) + 10 * F.l1_loss(recA, realA) + 10 * F.l1_loss(recB, realB)
                  + 5 * F.l1_loss(idtA, realB) + 5 * F.l1_loss(idtB, realA))
        loss_g.backward()
        optG.step()
        for p in list(dA.parameters()) + list(dB.parameters()):
            p.requires_grad_(True)
        optD.zero_grad()
        loss_d = 0.5 * (lsgan(dA(realB), 1) + lsgan(dA(fakeB.detach()), 0)) + 0.5 * (lsgan(dB(realA), 1) + lsgan(dB(fakeA.detach()), 0))
        loss_d.backward()
        optD.step()
    return best_of(step, repeats)


def timed_steps(step, steps):
    """(best seconds of `steps` calls of `step` after two warm-up calls, CPU seconds / wall seconds over them)."""
    for _ in range(2):
        step()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_start, wall_start = usage.ru_utime + usage.ru_stime, time.perf_counter()
    best = float("inf")
    for _ in range(steps):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return best, (usage.ru_utime + usage.ru_stime - cpu_start) / (time.perf_counter() - wall_start)


def label_gan_step(recipe, steps):
    """(best seconds per step, CPU seconds / wall seconds) of `steps` label-GAN steps after two warm-up steps."""
    torch.manual_seed(2)
    fashion = recipe == "fashion"
    latent, w, batch, classes = 64, 64, 64, 10
    n_dis, diversity = (2, 5.0) if fashion else (1, None)
    G = ConditionalGenerator(latent, w, 28, 1, classes, 1, None)
    D = ConditionalDiscriminator(w, 1, classes, "projection", None, 1 if fashion else 0)
    G_average = copy.deepcopy(G)
    for p in G_average.parameters():
        p.requires_grad_(False)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.0, 0.9))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.0, 0.9))
    data = torch.rand(1000, 1, 28, 28) * 2 - 1
    data_labels = torch.arange(1000) % classes

    def step():
        for _ in range(n_dis):
            index = torch.randint(0, 1000, (batch,))
            fake_labels = torch.randint(0, classes, (batch,))
            with torch.no_grad():
                G.labels = fake_labels
                fake = G(torch.randn(batch, latent))
            opt_d.zero_grad()
            D.labels = data_labels[index]
            real_out = D(data[index])
            D.labels = fake_labels
            fake_out = D(fake)
            loss_d = F.relu(1 - real_out).mean() + F.relu(1 + fake_out).mean()
            loss_d.backward()
            opt_d.step()
        for p in D.parameters():
            p.requires_grad_(False)
        labels = torch.randint(0, classes, (batch // 2,)) if diversity else torch.randint(0, classes, (batch,))
        if diversity:
            labels = torch.cat([labels, labels])
        opt_g.zero_grad()
        G.labels = D.labels = labels
        fake = G(torch.randn(batch, latent))
        loss_g = -D(fake).mean()
        if diversity:
            pairs = batch // 2
            distance = (fake[:pairs] - fake[pairs:]).abs().mean(dim=(1, 2, 3))
            loss_g = loss_g + diversity / pairs * F.relu(0.3 - distance).sum()
        loss_g.backward()
        opt_g.step()
        for p in D.parameters():
            p.requires_grad_(True)
        with torch.no_grad():
            for average, p in zip(G_average.parameters(), G.parameters()):
                average.lerp_(p, 1 - 0.999)

    return timed_steps(step, steps)


def instance_norm(c):
    return nn.InstanceNorm2d(c, affine=False, track_running_stats=False)


class UnetSkipBlock(nn.Module):
    """junyanz's UnetSkipConnectionBlock with instance norm (convolutions keep their bias) and optional dropout."""

    def __init__(self, outer, inner, input_nc=None, sub=None, outermost=False, innermost=False, dropout=False):
        super().__init__()
        self.outermost = outermost
        input_nc = input_nc or outer
        down = nn.Conv2d(input_nc, inner, 4, 2, 1, bias=True)
        if outermost:
            layers = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True), nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=True),
                      instance_norm(outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, instance_norm(inner), sub, nn.ReLU(True),
                      nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=True), instance_norm(outer)]
            if dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def unet(input_nc, output_nc, num_downs, ngf, dropout=True):
    block = UnetSkipBlock(ngf * 8, ngf * 8, innermost=True)
    for _ in range(num_downs - 5):
        block = UnetSkipBlock(ngf * 8, ngf * 8, sub=block, dropout=dropout)
    block = UnetSkipBlock(ngf * 4, ngf * 8, sub=block)
    block = UnetSkipBlock(ngf * 2, ngf * 4, sub=block)
    block = UnetSkipBlock(ngf, ngf * 2, sub=block)
    return UnetSkipBlock(output_nc, ngf, input_nc=input_nc, sub=block, outermost=True)


def pix2pix_step(batch, steps, size=128):
    """(best seconds per step, CPU seconds / wall seconds) of `steps` pix2pix steps after two warm-up steps."""
    torch.manual_seed(3)
    G, D = unet(1, 3, 7, 32), NLayerDiscriminator(4, 32, 3)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    y, x = torch.rand(batch, 1, size, size) * 2 - 1, torch.rand(batch, 3, size, size) * 2 - 1

    def bce(logits, target):
        return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))

    def step():
        fake = G(y)
        opt_d.zero_grad()
        loss_d = bce(D(torch.cat([y, x], 1)), 1.0) + bce(D(torch.cat([y, fake.detach()], 1)), 0.0)
        loss_d.backward()
        opt_d.step()
        for p in D.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad()
        loss_g = bce(D(torch.cat([y, fake], 1)), 1.0) + 100 * F.l1_loss(fake, x)
        loss_g.backward()
        opt_g.step()
        for p in D.parameters():
            p.requires_grad_(True)

    return timed_steps(step, steps)


class GatedConv2d(nn.Module):
    """DeepFill v2's gated convolution as GANCore builds it: one conv to 2*out channels, leaky_relu(f, 0.2) * sigmoid(g)."""

    def __init__(self, cin, cout, k, stride=1, dilation=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, 2 * cout, k, stride=stride, padding=dilation * (k - 1) // 2, dilation=dilation)
        self.cout = cout

    def forward(self, x):
        y = self.conv(x)
        return F.leaky_relu(y[:, :self.cout], 0.2) * torch.sigmoid(y[:, self.cout:])


def inpainting_generator(c):
    """InpaintingGenerator (GANInpainting/InpaintingNetworks.swift): DeepFill v2's coarse network, base width c."""
    up = lambda: nn.Upsample(scale_factor=2, mode="nearest")  # noqa: E731
    return nn.Sequential(
        GatedConv2d(5, c, 5), GatedConv2d(c, 2 * c, 3, 2), GatedConv2d(2 * c, 2 * c, 3),
        GatedConv2d(2 * c, 4 * c, 3, 2), GatedConv2d(4 * c, 4 * c, 3), GatedConv2d(4 * c, 4 * c, 3),
        *[GatedConv2d(4 * c, 4 * c, 3, dilation=d) for d in (2, 4, 8, 16)], GatedConv2d(4 * c, 4 * c, 3), GatedConv2d(4 * c, 4 * c, 3),
        up(), GatedConv2d(4 * c, 2 * c, 3), GatedConv2d(2 * c, 2 * c, 3), up(), GatedConv2d(2 * c, c, 3), GatedConv2d(c, c // 2, 3),
        nn.Conv2d(c // 2, 3, 3, padding=1), nn.Tanh())


def inpainting_discriminator(ndf, layers):
    """InpaintingDiscriminator: SN-PatchGAN, 5x5 stride-2 spectral-norm convolutions over image + mask."""
    out, channels = [], 4
    for k in range(layers):
        width = ndf * min(1 << k, 4)
        out.append(nn.utils.parametrizations.spectral_norm(nn.Conv2d(channels, width, 5, 2, 2)))
        if k < layers - 1:
            out.append(nn.LeakyReLU(0.2))
        channels = width
    return nn.Sequential(*out)


def inpaint_step(steps, batch=4, size=128):
    """(best seconds per step, cores busy) of InpaintingTrainer.trainStep with faces-inpaint's networks (cnum 16, 6-layer
    SN-PatchGAN ndf 32): D hinge on the real and the composite, then G with hinge + L1, Adam 1e-4 (0.5, 0.999)."""
    torch.manual_seed(5)
    G, D = inpainting_generator(16), inpainting_discriminator(32, 6)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.999))
    x = torch.rand(batch, 3, size, size) * 2 - 1
    m = (torch.rand(batch, 1, size, size) < 0.3).float()

    def step():
        raw = G(torch.cat([x * (1 - m), m, torch.ones_like(m)], 1))
        composite = raw * m + x * (1 - m)
        opt_d.zero_grad()
        loss_d = F.relu(1 - D(torch.cat([x, m], 1))).mean() + F.relu(1 + D(torch.cat([composite.detach(), m], 1))).mean()
        loss_d.backward()
        opt_d.step()
        for p in D.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad()
        loss_g = -D(torch.cat([composite, m], 1)).mean() + F.l1_loss(raw, x)
        loss_g.backward()
        opt_g.step()
        for p in D.parameters():
            p.requires_grad_(True)

    return timed_steps(step, steps)


def peak_rss_child(kind, size, threads):
    """Peak RSS (MiB) of a fresh process doing one forward at size x size."""
    out = subprocess.run([sys.executable, __file__, "--rss-child", kind, "--size", str(size), "--threads", str(threads)],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rss-child")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--only", choices=["cgan", "pix2pix", "inpaint"], help="only the label-GAN, pix2pix or inpainting steps")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.rss_child:
        if args.rss_child == "torch":
            torch_forward(args.size, 1)
        else:
            onnx_forward(args.size, 1, args.threads)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return
    if args.only == "pix2pix":
        rows = {str(batch): pix2pix_step(batch, max(5, args.repeats)) for batch in (1, 8)}
        result = {"threads": args.threads, "torch_version": torch.__version__,
                  "pix2pix_step_s": {k: v[0] for k, v in rows.items()}, "pix2pix_cores_busy": {k: v[1] for k, v in rows.items()}}
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            for batch, (seconds, busy) in rows.items():
                print(f"pix2pix step at 128, batch {batch}: PyTorch {seconds:.3f} s/step, cores busy {busy:.2f}")
        return
    if args.only == "inpaint":
        seconds, busy = inpaint_step(max(5, args.repeats))
        result = {"threads": args.threads, "torch_version": torch.__version__, "inpaint_step_s": seconds, "inpaint_cores_busy": busy}
        print(json.dumps(result, indent=2) if args.json else f"inpainting step at 128, batch 4: PyTorch {seconds:.3f} s/step, cores busy {busy:.2f}")
        return
    label_gan = {recipe: label_gan_step(recipe, max(5, args.repeats)) for recipe in ("mnist-cgan", "fashion")}
    label_rows = {"label_gan_step_s": {k: v[0] for k, v in label_gan.items()},
                  "label_gan_cores_busy": {k: v[1] for k, v in label_gan.items()}}
    if args.only == "cgan":
        result = {"threads": args.threads, "torch_version": torch.__version__, **label_rows}
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            for recipe, (seconds, busy) in label_gan.items():
                print(f"label-GAN step, {recipe}: PyTorch {seconds:.3f} s/step, cores busy {busy:.2f}")
        return
    t_fwd, _ = torch_forward(256, args.repeats)
    o_fwd, _ = onnx_forward(256, args.repeats, args.threads)
    t_train, _ = training_iteration(max(3, args.repeats))
    result = {
        "threads": args.threads,
        "torch_version": torch.__version__,
        "forward_256": {"pytorch_img_s": 1 / t_fwd, "onnxruntime_img_s": 1 / o_fwd,
                        "pytorch_gflops": 2 * GMAC_256 / t_fwd, "onnxruntime_gflops": 2 * GMAC_256 / o_fwd},
        "train_iter_128_s": {"pytorch": t_train},
        "peak_rss_mib_1024": {"pytorch": peak_rss_child("torch", 1024, args.threads),
                              "onnxruntime": peak_rss_child("onnx", 1024, args.threads)},
        **label_rows,
        "pix2pix_step_s": {str(b): pix2pix_step(b, max(5, args.repeats))[0] for b in (1, 8)},
        "inpaint_step_s": inpaint_step(max(5, args.repeats))[0],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        f = result["forward_256"]
        print(f"threads {args.threads}, torch {torch.__version__}")
        print(f"forward 256x256: PyTorch {f['pytorch_img_s']:.2f} img/s ({f['pytorch_gflops']:.0f} GFLOP/s), "
              f"ONNX Runtime {f['onnxruntime_img_s']:.2f} img/s ({f['onnxruntime_gflops']:.0f} GFLOP/s)")
        print(f"CycleGAN training iteration 128x128 (ngf 32, 6 blocks): PyTorch {t_train:.3f} s")
        print(f"peak RSS, one forward at 1024x1024: {result['peak_rss_mib_1024']}")
        for recipe, (seconds, busy) in label_gan.items():
            print(f"label-GAN step, {recipe}: PyTorch {seconds:.3f} s/step, cores busy {busy:.2f}")


if __name__ == "__main__":
    main()
