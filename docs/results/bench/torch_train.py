"""Reference training-step throughput in PyTorch for `cortex bench train`, on the same GPU and the same networks.

Networks, written as Cortex reads their files (configs/networks/):
  blt          blt.yaml on 1x28x28 (BLT: bottom-up, lateral, top-down; 4 steps)
  v1-v2-v4-it  v1-v2-v4-it.yaml resized to 3x64x64 as `cortex bench train --input 3x64x64` does (6 steps)
  cornet-rt    cornet-rt.yaml on 3x224x224: the published CORnet-RT module (dicarlolab/CORnet, times = 5)
Each is timed eagerly and under torch.compile, at fp32 (cudnn.allow_tf32 = False) and tf32 (cudnn.allow_tf32 = True:
PyTorch's default for convolutions); matrix products stay strict in both (matmul.allow_tf32 = False), as in Cortex.

FLOPs are counted as `cortex bench train` counts them: 6 x the ledger's synaptic operations (multiply-accumulates per
image over all steps, forward) x batch. Pass the ledger's number with --macs NAME=N (gpu-bench.sh takes it from Cortex's
JSON); without it the script counts the multiply-accumulates of its own convolutions and linear layers with hooks and
says so. A step is AdamW with the loss at the readout's steps; the best and the median of the timed steps are printed.

    python3 torch_train.py --networks blt,v1-v2-v4-it,cornet-rt --batch 128,256,1024 --precision fp32,tf32 \
        --modes eager,compile [--macs blt=69500000 ...] [--json out.jsonl]
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BLT(nn.Module):
    """configs/networks/blt.yaml: V1 [32, 28, 28], V2 [64, 14, 14], per-step batch norm, relu; readout at every step."""

    def __init__(self, steps=4):
        super().__init__()
        self.steps = steps
        self.ff1 = nn.Conv2d(1, 32, 3, padding=1)
        self.l1 = nn.Conv2d(32, 32, 3, padding=1, bias=False)
        self.ff2 = nn.Conv2d(32, 64, 3, padding=1)
        self.l2 = nn.Conv2d(64, 64, 3, padding=1, bias=False)
        self.fb = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1, bias=False)
        self.bn1 = nn.ModuleList(nn.BatchNorm2d(32) for _ in range(steps))
        self.bn2 = nn.ModuleList(nn.BatchNorm2d(64) for _ in range(steps))
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        h1 = h2 = None
        outs = []
        for t in range(self.steps):
            d1 = self.ff1(x)
            if h1 is not None:
                d1 = d1 + self.l1(h1) + self.fb(h2)
            h1 = F.relu(self.bn1[t](d1))
            d2 = self.ff2(F.max_pool2d(h1, 2))
            if h2 is not None:
                d2 = d2 + self.l2(h2)
            h2 = F.relu(self.bn2[t](d2))
            outs.append(self.out(h2.mean((2, 3))))
        return outs


class V1V2V4IT(nn.Module):
    """configs/networks/v1-v2-v4-it.yaml at size s (64 for 3x64x64): V1 [32, s, s], V2 [64, s/2, s/2], V4 [128, s/4, s/4]
    and IT [256, s/4, s/4] with tau = 2 dt (alpha = 0.5), per-step batch norm and relu; laterals 3x3; feedforward 5x5
    into V1 and 3x3 after a 2x2 max pool; feedback V4 -> V2 (nearest x2, 3x3) and IT -> V4 (3x3), both additive; and a
    multiplicative gain IT -> V1 (bilinear x4, 1x1, delay 2): drive * (1 + tanh g). Synchronous unroll over 6 steps."""

    def __init__(self, channels=3, steps=6):
        super().__init__()
        self.steps = steps
        self.ff1 = nn.Conv2d(channels, 32, 5, padding=2, bias=False)
        self.ff2 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.ff4 = nn.Conv2d(64, 128, 3, padding=1, bias=False)
        self.ffit = nn.Conv2d(128, 256, 3, padding=1, bias=False)
        self.l1 = nn.Conv2d(32, 32, 3, padding=1, bias=False)
        self.l2 = nn.Conv2d(64, 64, 3, padding=1, bias=False)
        self.l4 = nn.Conv2d(128, 128, 3, padding=1, bias=False)
        self.lit = nn.Conv2d(256, 256, 3, padding=1, bias=False)
        self.fb42 = nn.Conv2d(128, 64, 3, padding=1, bias=False)
        self.fbit4 = nn.Conv2d(256, 128, 3, padding=1, bias=False)
        self.gain = nn.Conv2d(256, 32, 1, bias=False)
        self.norms = nn.ModuleList(nn.ModuleList(nn.BatchNorm2d(c) for _ in range(steps)) for c in (32, 64, 128, 256))
        self.out = nn.Linear(256, 10)

    def forward(self, x):
        v1 = v2 = v4 = it = None
        history_it = []
        outs = []
        for t in range(self.steps):
            d1 = self.ff1(x)
            if v1 is not None:
                d1 = d1 + self.l1(v1)
            if len(history_it) >= 2:
                g = self.gain(F.interpolate(history_it[-2], scale_factor=4, mode="bilinear", align_corners=False))
                d1 = d1 * (1 + torch.tanh(g))
            n1 = F.relu(self.norms[0][t](d1))
            d2 = self.ff2(F.max_pool2d(n1, 2))
            if v2 is not None:
                d2 = d2 + self.l2(v2) + self.fb42(F.interpolate(v4, scale_factor=2, mode="nearest"))
            n2 = F.relu(self.norms[1][t](d2))
            d4 = self.ff4(F.max_pool2d(n2, 2))
            if v4 is not None:
                d4 = d4 + self.l4(v4) + self.fbit4(it)
            f4 = F.relu(self.norms[2][t](d4))
            h4 = 0.5 * f4 if v4 is None else 0.5 * v4 + 0.5 * f4   # leaky integration from h(0) = 0
            dit = self.ffit(h4)
            if it is not None:
                dit = dit + self.lit(it)
            fit = F.relu(self.norms[3][t](dit))
            it = 0.5 * fit if it is None else 0.5 * it + 0.5 * fit
            v1, v2, v4 = n1, n2, h4
            history_it.append(it)
            outs.append(self.out(it.mean((2, 3))))
        return outs


class CORblockRT(nn.Module):
    """The published CORblock_RT (dicarlolab/CORnet, cornet_rt.py)."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, out_shape=None):
        super().__init__()
        self.out_channels, self.out_shape = out_channels, out_shape
        self.conv_input = nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, stride=stride, padding=kernel_size // 2)
        self.norm_input = nn.GroupNorm(32, out_channels)
        self.conv1 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False)
        self.norm1 = nn.GroupNorm(32, out_channels)

    def forward(self, inp=None, state=None, batch_size=None):
        if inp is None:  # no input yet: the published block runs on zeros
            inp = torch.zeros(batch_size, self.out_channels, self.out_shape, self.out_shape, device=self.conv1.weight.device)
        else:
            inp = F.relu(self.norm_input(self.conv_input(inp)))
        skip = inp + (0 if state is None else state)
        state = F.relu(self.norm1(self.conv1(skip)))
        return state, state


class CORnetRT(nn.Module):
    """The published CORnet_RT (times = 5): V1, V2, V4, IT as CORblock_RT, decoder 512 -> 1000 at the last step."""

    def __init__(self, times=5):
        super().__init__()
        self.times = times
        self.V1 = CORblockRT(3, 64, kernel_size=7, stride=4, out_shape=56)
        self.V2 = CORblockRT(64, 128, stride=2, out_shape=28)
        self.V4 = CORblockRT(128, 256, stride=2, out_shape=14)
        self.IT = CORblockRT(256, 512, stride=2, out_shape=7)
        self.decoder = nn.Linear(512, 1000)

    def forward(self, inp):
        blocks = ["V1", "V2", "V4", "IT"]
        outputs, states = {"inp": inp}, {}
        for block in blocks:
            outputs[block], states[block] = getattr(self, block)(inp if block == "V1" else None, batch_size=inp.shape[0])
        for _ in range(1, self.times):
            new = {"inp": inp}
            for i, block in enumerate(blocks):
                previous = "inp" if i == 0 else blocks[i - 1]
                new[block], states[block] = getattr(self, block)(outputs[previous], states[block])
            outputs = new
        return [self.decoder(F.adaptive_avg_pool2d(outputs["IT"], 1).flatten(1))]


NETWORKS = {
    "blt": (lambda: BLT(), (1, 28, 28), 10),
    "v1-v2-v4-it": (lambda: V1V2V4IT(), (3, 64, 64), 10),
    "cornet-rt": (lambda: CORnetRT(), (3, 224, 224), 1000),
}


def hooked_macs(model, shape):
    """Multiply-accumulates per image of the model's convolutions and linear layers in one forward pass (batch 1)."""
    total = [0]

    def conv(module, inputs, output):
        total[0] += output.numel() * module.in_channels // module.groups * math.prod(module.kernel_size)

    def transposed(module, inputs, output):
        total[0] += inputs[0].numel() * module.out_channels // module.groups * math.prod(module.kernel_size)

    def linear(module, inputs, output):
        total[0] += output.numel() * module.in_features

    handles = []
    for m in model.modules():
        if isinstance(m, nn.ConvTranspose2d):
            handles.append(m.register_forward_hook(transposed))
        elif isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear))
    with torch.no_grad():
        model(torch.rand(1, *shape, device="cuda"))
    for h in handles:
        h.remove()
    return total[0]


def measure(name, mode, precision, batch, repeats, macs):
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = False
    make, shape, classes = NETWORKS[name]
    torch.manual_seed(1)
    model = make().cuda()
    counted = hooked_macs(model, shape)
    per_image = macs if macs is not None else counted
    forward = torch.compile(model) if mode == "compile" else model
    opt = torch.optim.AdamW(model.parameters(), 1e-4)
    x = torch.rand(batch, *shape, device="cuda")
    y = torch.randint(0, classes, (batch,), device="cuda")

    def step():
        opt.zero_grad(set_to_none=True)
        outs = forward(x)
        loss = sum(F.cross_entropy(o, y) for o in outs) / len(outs)
        loss.backward()
        opt.step()

    started = time.perf_counter()
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    warmup = time.perf_counter() - started
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    times.sort()
    best, median = times[0], times[len(times) // 2]
    gflop = 6.0 * per_image * batch / 1e9
    return {
        "network": name, "input": "x".join(map(str, shape)), "mode": mode, "precision": precision, "batch": batch,
        "best_ms": best * 1e3, "median_ms": median * 1e3, "images_per_s": batch / best, "gflop_per_s": gflop / best,
        "macs_per_image": per_image, "macs_source": "cortex ledger" if macs is not None else "hooks", "hooked_macs_per_image": counted,
        "warmup_s": warmup, "torch": torch.__version__, "device": torch.cuda.get_device_name(), "repeats": repeats,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--networks", default="blt,v1-v2-v4-it,cornet-rt")
    p.add_argument("--batch", default="128,256,1024")
    p.add_argument("--precision", default="fp32,tf32")
    p.add_argument("--modes", default="eager,compile")
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--macs", action="append", default=[], help="NAME=N: the Cortex ledger's multiply-accumulates per image")
    p.add_argument("--json", help="append one JSON object per measurement to this file")
    a = p.parse_args()
    macs = {k: int(v) for k, v in (m.split("=", 1) for m in a.macs)}
    for name in a.networks.split(","):
        for precision in a.precision.split(","):
            for mode in a.modes.split(","):
                for batch in (int(b) for b in a.batch.split(",")):
                    try:
                        r = measure(name, mode, precision, batch, a.repeats, macs.get(name))
                    except torch.cuda.OutOfMemoryError:
                        print(f"torch {name} {mode} {precision} batch {batch}: out of memory")
                        torch.cuda.empty_cache()
                        continue
                    print(f"torch {r['torch']} {mode} {name} {r['input']} {precision} batch {batch}: {r['best_ms']:.2f} ms per step "
                          f"(median {r['median_ms']:.2f}), {r['images_per_s']:.0f} images/s, {r['gflop_per_s']:.0f} GFLOP/s "
                          f"({r['macs_per_image']:,} MACs per image from the {r['macs_source']}; hooks count {r['hooked_macs_per_image']:,})",
                          flush=True)
                    if a.json:
                        with open(a.json, "a") as f:
                            f.write(json.dumps(r) + "\n")
                    if mode == "compile":
                        torch._dynamo.reset()
                    torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
