# Eager PyTorch BLT (same shapes as configs/networks/blt.yaml), training-step throughput on the same GPU:
# reference numbers for cortex bench train. Strict FP32 (no TF32), AdamW, loss on every step.
import time, torch, torch.nn as nn, torch.nn.functional as F
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False
class BLT(nn.Module):
    def __init__(s, T=4):
        super().__init__(); s.T = T
        s.ff1 = nn.Conv2d(1, 32, 3, padding=1); s.l1 = nn.Conv2d(32, 32, 3, padding=1, bias=False)
        s.ff2 = nn.Conv2d(32, 64, 3, padding=1); s.l2 = nn.Conv2d(64, 64, 3, padding=1, bias=False)
        s.fb = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1, bias=False)
        s.bn1 = nn.ModuleList(nn.BatchNorm2d(32) for _ in range(T)); s.bn2 = nn.ModuleList(nn.BatchNorm2d(64) for _ in range(T))
        s.out = nn.Linear(64, 10)
    def forward(s, x):
        h1 = h2 = None; outs = []
        for t in range(s.T):
            d1 = s.ff1(x)
            if h1 is not None: d1 = d1 + s.l1(h1) + s.fb(h2)
            h1 = F.relu(s.bn1[t](d1))
            d2 = s.ff2(F.max_pool2d(h1, 2))
            if h2 is not None: d2 = d2 + s.l2(h2)
            h2 = F.relu(s.bn2[t](d2))
            outs.append(s.out(h2.mean((2, 3))))
        return outs
for batch in (128, 1024):
    net = BLT().cuda(); opt = torch.optim.AdamW(net.parameters(), 1e-4)
    x = torch.rand(batch, 1, 28, 28, device="cuda"); y = torch.randint(0, 10, (batch,), device="cuda")
    def step():
        opt.zero_grad(set_to_none=True)
        loss = sum(F.cross_entropy(o, y) for o in net(x)) / 4
        loss.backward(); opt.step()
    for _ in range(3): step()
    torch.cuda.synchronize(); ts = []
    for _ in range(10):
        t = time.perf_counter(); step(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t)
    ts.sort(); m = ts[len(ts) // 2]
    print(f"torch {torch.__version__} eager BLT batch {batch}: {m * 1e3:.2f} ms per training step, {batch / m:.0f} images/s")
