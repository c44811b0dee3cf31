# Eager PyTorch on the same GPU, same shapes and FLOP counting as cortex bench: reference numbers only.
# usage: python3 torch_conv.py [fp32|tf32]   (fp32: strict, cudnn.allow_tf32 = False, as `cortex bench --precision fp32`;
# tf32: cudnn.allow_tf32 = True, PyTorch's default for convolutions, as `cortex bench --precision tf32`). The sgemm
# yardstick stays strict FP32 either way.
import sys, time, torch
dev = "cuda"
precision = sys.argv[1] if len(sys.argv) > 1 else "fp32"
assert precision in ("fp32", "tf32"), f"precision must be fp32 or tf32, got {precision}"
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.allow_tf32 = precision == "tf32"
torch.backends.cuda.matmul.allow_tf32 = False
def med(f, r=5):
    f(); torch.cuda.synchronize(); ts = []
    for _ in range(r):
        t = time.perf_counter(); f(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t)
    ts.sort(); return ts[len(ts) // 2]
for batch in (128, 1024):
    n = 8192
    a = torch.randn(n, n, device=dev); b = torch.randn(n, n, device=dev)
    t = med(lambda: a @ b); sg = 2 * n**3 / t / 1e9
    tf, tb, fl = 0, 0, 0
    for ci, co, s in [(1, 32, 28), (32, 32, 28), (32, 64, 14), (64, 64, 14), (64, 32, 28)]:
        x = torch.randn(batch, ci, s, s, device=dev, requires_grad=True)
        conv = torch.nn.Conv2d(ci, co, 3, padding=1).to(dev)
        y = conv(x); g = torch.randn_like(y)
        f = med(lambda: conv(x))
        def fb():
            out = conv(x); out.backward(g)
        fbt = med(fb)
        gf = 2 * batch * co * s * s * ci * 9 / 1e9
        tf += f; tb += fbt - f; fl += gf
    print(f"torch {torch.__version__} convolutions {precision} batch {batch}: sgemm {n}^3 {sg:.0f} GFLOP/s (strict FP32); "
          f"conv fwd {fl / tf:.0f} GFLOP/s, bwd {2 * fl / tb:.0f} GFLOP/s, fwd+bwd {3 * fl / (tf + tb):.0f} GFLOP/s = {100 * 3 * fl / (tf + tb) / sg:.0f}% of sgemm")
