"""PyTorch reference for GANKit's PatchNCE (Fixtures/patchnce/patchnce.json).

Re-states taesungp/contrastive-unpaired-translation's PatchSampleF (mlp_sample: permute, flatten, index the
sampled locations, Linear-ReLU-Linear, L2 normalise with +1e-7) and PatchNCELoss (nce_includes_all_negatives_
from_minibatch False: l_pos, per-image l_neg with the diagonal filled with -10, logits / T, cross-entropy against
class 0, reduction none), then `.mean()` as cut_model.py does. Writes the inputs, weights, locations, the loss and
its gradient with respect to the output-side features. Run: python3 tools/make_patchnce_fixture.py (torch 2.13).
"""
import json
import os

import torch
import torch.nn as nn

torch.manual_seed(0)
B, C, H, W, P, U, T = 2, 5, 4, 6, 7, 8, 0.07

feat_k = torch.randn(B, C, H, W, dtype=torch.float64)
feat_q = torch.randn(B, C, H, W, dtype=torch.float64, requires_grad=True)
mlp = nn.Sequential(nn.Linear(C, U), nn.ReLU(), nn.Linear(U, U)).double()
patch_id = torch.randperm(H * W)[:P]


def sample(feat):
    x = feat.permute(0, 2, 3, 1).flatten(1, 2)[:, patch_id, :].flatten(0, 1)
    x = mlp(x)
    norm = x.pow(2).sum(1, keepdim=True).pow(1.0 / 2)
    return x.div(norm + 1e-7)


def patch_nce(q, k):
    num_patches, dim = q.shape
    k = k.detach()
    l_pos = torch.bmm(q.view(num_patches, 1, -1), k.view(num_patches, -1, 1)).view(num_patches, 1)
    q = q.view(B, -1, dim)
    k = k.view(B, -1, dim)
    npatches = q.size(1)
    l_neg = torch.bmm(q, k.transpose(2, 1))
    l_neg.masked_fill_(torch.eye(npatches, dtype=torch.bool)[None, :, :], -10.0)
    out = torch.cat((l_pos, l_neg.view(-1, npatches)), dim=1) / T
    return nn.CrossEntropyLoss(reduction="none")(out, torch.zeros(out.size(0), dtype=torch.long))


loss = patch_nce(sample(feat_q), sample(feat_k)).mean()
loss.backward()
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
fixture = {
    "torch": torch.__version__, "batch": B, "channels": C, "height": H, "width": W, "units": U, "temperature": T,
    "locations": [int(i) for i in patch_id],
    "featK": flat(feat_k), "featQ": flat(feat_q),
    "mlp_0.0.weight": flat(mlp[0].weight), "mlp_0.0.bias": flat(mlp[0].bias),
    "mlp_0.2.weight": flat(mlp[2].weight), "mlp_0.2.bias": flat(mlp[2].bias),
    "loss": loss.item(), "gradFeatQ": flat(feat_q.grad),
}
os.makedirs("Fixtures/patchnce", exist_ok=True)
with open("Fixtures/patchnce/patchnce.json", "w") as f:
    json.dump(fixture, f)
print("loss", loss.item())
