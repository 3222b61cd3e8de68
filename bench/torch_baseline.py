#!/usr/bin/env python3
"""A PyTorch loop of the seed configuration's training, for timing against cifar-linear's GPU backend.

A fair loop: the whole training set lives on the device as uint8 from the start, every epoch draws
its permutation and flip mask on the device, each batch is gathered, flipped (by index) and
normalized on the device, both products are single matrix multiplications, the learning rate
follows the same step decay, and nothing is copied back to the host until the epoch ends (no
synchronization per step). Same math as cifar-linear: softmax + cross-entropy, L2 penalty λ‖W‖²,
W <- (1 - 2ηλ) W - (η/m) G Xᵀ, b <- b - (η/m) G 1.

    python3 bench/torch_baseline.py [--device cuda|cpu] [--data IMAGES] [--batch 100] [--epochs 10]

Data: --data DIR/ZIP with train/ and test/ image folders (needs Pillow), or random images of
CIFAR-10's shape (the timing does not depend on pixel values). Prints "epoch E seconds S" per
epoch and a line "RESULT implementation=torch-… epoch_seconds=… images_per_second=…" (median epoch
after the first), the format `cifar-linear bench` prints.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_baseline import add_config_args, load_images, random_images  # noqa: E402

D, K = 3072, 10


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    add_config_args(ap, epochs=10)
    args = ap.parse_args()
    dev = torch.device(args.device)
    torch.manual_seed(args.seed)

    rng = np.random.default_rng(args.seed)
    (xtr, ytr), (xte, yte) = load_images(args.data) if args.data else random_images(rng)
    order = rng.permutation(len(ytr))
    train_rows = order[args.val:]
    u = torch.from_numpy(xtr[train_rows]).to(dev)                       # n x d uint8, resident
    y = torch.from_numpy(ytr[train_rows]).long().to(dev)
    mean = u.float().mean(0)
    std = u.float().std(0, unbiased=False).clamp_min(1e-12)
    std[std < 1e-12] = 1
    inv = 1 / std
    j = torch.arange(D, device=dev)
    fidx = j - j % 32 + 31 - j % 32
    n = u.shape[0]
    W = 0.01 * torch.randn(K, D, device=dev)
    b = torch.zeros(K, device=dev)
    rows = torch.arange(args.batch, device=dev)

    def epoch(eta):
        nonlocal W, b
        perm = torch.randperm(n, device=dev)
        flips = torch.rand(n, device=dev) < args.flip
        for start in range(0, n, args.batch):
            idx = perm[start:start + args.batch]
            m = idx.shape[0]
            x = (u[idx].float() - mean) * inv                               # m x d
            f = flips[start:start + m]
            x = torch.where(f[:, None], x[:, fidx], x)
            s = x @ W.T + b
            p = torch.softmax(s, dim=1)
            p[rows[:m], y[idx]] -= 1
            W = (1 - 2 * eta * args.lam) * W - (eta / m) * (p.T @ x)
            b = b - (eta / m) * p.sum(0)

    times = []
    print(f"torch {torch.__version__} on {dev}, {n} training images, batch {args.batch}", flush=True)
    for e in range(args.epochs):
        eta = args.eta * (args.decay_factor ** (e // args.decay_every) if args.decay_every else 1)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        epoch(eta)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        print(f"epoch {e + 1} seconds {times[-1]:.4f}", flush=True)
    xt = (torch.from_numpy(xte).to(dev).float() - mean) * inv
    accuracy = f" test_accuracy={((xt @ W.T + b).argmax(1).cpu().numpy() == yte).mean():.4f}" if args.data else ""
    later = sorted(times[1:] or times)
    median = later[len(later) // 2] if len(later) % 2 else (later[len(later) // 2 - 1] + later[len(later) // 2]) / 2
    print(f"RESULT implementation=torch-{dev.type} backend={dev.type} batch={args.batch} epoch_seconds={median:.4f} "
          f"images_per_second={n / median:.0f}{accuracy}", flush=True)


if __name__ == "__main__":
    main()
