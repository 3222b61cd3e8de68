#!/usr/bin/env python3
"""NumPy baselines of the seed configuration's training loop, for side-by-side timing.

Two versions of the same math (softmax + cross-entropy, L2 penalty, mini-batch SGD, step decay,
per-epoch reshuffle and horizontal flips with probability p):

  typical  as the DD2424 exercise writes it: X is d x n (one image per column), Y one-hot K x n,
           batches gathered as columns, flips by fancy indexing of the batch's columns;
  tuned    sample-major float32 rows, both products as single BLAS calls, flips applied by
           indexing the selected rows.

Data: --data DIR/ZIP with train/<class>/*.jpg and test/<class>/*.jpg (needs Pillow), or, by
default, random uint8 images of CIFAR-10's shape: the timing does not depend on pixel values.

Prints one line per epoch, "epoch E seconds S", the test accuracy (real data only), and a line
"RESULT implementation=… batch=… epoch_seconds=… images_per_second=… test_accuracy=…" (the median
epoch after the first), the format `cifar-linear bench` prints too.
"""
import argparse
import io
import os
import sys
import time
import zipfile

import numpy as np

D, K = 3072, 10


def load_images(path):
    from PIL import Image  # only needed for real data

    def decode(blob):
        a = np.asarray(Image.open(io.BytesIO(blob)).convert("RGB"), dtype=np.uint8)  # 32 x 32 x 3
        return a.transpose(2, 0, 1).reshape(-1)  # channel-major, as CIFAR stores it

    splits = {"train": ([], []), "test": ([], [])}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = sorted(n for n in z.namelist() if n.lower().endswith((".jpg", ".jpeg", ".png")))
            classes = sorted({n.split("/")[-2] for n in names})
            for n in names:
                parts = n.split("/")
                split, cls = parts[-3], parts[-2]
                if split in splits:
                    splits[split][0].append(decode(z.read(n)))
                    splits[split][1].append(classes.index(cls))
    else:
        classes = sorted(os.listdir(os.path.join(path, "train")))
        for split in splits:
            for c, cls in enumerate(classes):
                folder = os.path.join(path, split, cls)
                for f in sorted(os.listdir(folder)):
                    with open(os.path.join(folder, f), "rb") as fh:
                        splits[split][0].append(decode(fh.read()))
                    splits[split][1].append(c)
    return [(np.stack(x), np.array(y)) for x, y in (splits["train"], splits["test"])]


def random_images(rng):
    return [(rng.integers(0, 256, (n, D), dtype=np.uint8), rng.integers(0, K, n)) for n in (50000, 10000)]


def flip_index():
    j = np.arange(D)
    return j - j % 32 + 31 - j % 32


def softmax_rows(s):
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True)


def tuned_epoch(X, y, W, b, perm, flips, eta, lam, batch, fidx):
    """X: n x d float32 (normalized), W: K x d."""
    n = X.shape[0]
    for start in range(0, n, batch):
        idx = perm[start:start + batch]
        Xb = X[idx]
        f = flips[start:start + batch]
        if f.any():
            Xb[f] = Xb[f][:, fidx]
        m = Xb.shape[0]
        P = softmax_rows(Xb @ W.T + b)
        P[np.arange(m), y[idx]] -= 1
        W *= 1 - 2 * eta * lam
        W -= (eta / m) * (P.T @ Xb)
        b -= (eta / m) * P.sum(axis=0)


def typical_epoch(X, Y, W, b, perm, flips, eta, lam, batch, fidx):
    """X: d x n float32 (normalized), Y: K x n one-hot, W: K x d, b: K x 1."""
    n = X.shape[1]
    for start in range(0, n, batch):
        idx = perm[start:start + batch]
        Xb = X[:, idx]
        f = flips[start:start + batch]
        Xb[:, f] = Xb[fidx][:, f]
        Yb = Y[:, idx]
        m = Xb.shape[1]
        S = W @ Xb + b
        P = np.exp(S - S.max(axis=0))
        P /= P.sum(axis=0)
        G = P - Yb
        grad_W = G @ Xb.T / m + 2 * lam * W
        grad_b = G.sum(axis=1, keepdims=True) / m
        W -= eta * grad_W
        b -= eta * grad_b


def add_config_args(ap, epochs):
    """The options of the seed configuration's loop, shared with torch_baseline.py."""
    ap.add_argument("--data", help="folder or .zip of train/ and test/ image folders (default: random images)")
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--eta", type=float, default=0.01)
    ap.add_argument("--lam", type=float, default=0.1)
    ap.add_argument("--decay-every", type=int, default=10)
    ap.add_argument("--decay-factor", type=float, default=0.1)
    ap.add_argument("--flip", type=float, default=0.2)
    ap.add_argument("--val", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", choices=["tuned", "typical"], default="tuned")
    add_config_args(ap, epochs=50)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    (xtr, ytr), (xte, yte) = load_images(args.data) if args.data else random_images(rng)
    order = rng.permutation(len(ytr))
    train_rows, val_rows = order[args.val:], order[:args.val]
    mean = xtr[train_rows].mean(axis=0, dtype=np.float64)
    std = xtr[train_rows].std(axis=0, dtype=np.float64)
    std[std == 0] = 1

    def norm(u):
        return ((u - mean) / std).astype(np.float32)

    X, y = norm(xtr[train_rows]), ytr[train_rows]
    Xte = norm(xte)
    W = (0.01 * rng.standard_normal((K, D))).astype(np.float32)
    b = np.zeros(K, dtype=np.float32)
    fidx = flip_index()
    n = len(y)
    if args.version == "typical":
        X = np.ascontiguousarray(X.T)
        Y = np.zeros((K, n), dtype=np.float32)
        Y[y, np.arange(n)] = 1
        b = b.reshape(K, 1)
    print(f"numpy {np.__version__}, {args.version} loop, {n} training images, batch {args.batch}", flush=True)
    times = []
    for e in range(args.epochs):
        eta = args.eta * (args.decay_factor ** (e // args.decay_every) if args.decay_every else 1)
        perm = rng.permutation(n)
        flips = rng.random(n) < args.flip
        t0 = time.perf_counter()
        if args.version == "tuned":
            tuned_epoch(X, y, W, b, perm, flips, eta, args.lam, args.batch, fidx)
        else:
            typical_epoch(X, Y, W, b, perm, flips, eta, args.lam, args.batch, fidx)
        times.append(time.perf_counter() - t0)
        print(f"epoch {e + 1} seconds {times[-1]:.4f}", flush=True)
    accuracy = float("nan")
    if args.data:
        scores = Xte @ W.T + b.reshape(-1)
        accuracy = (scores.argmax(axis=1) == yte).mean()
        print(f"test_accuracy {accuracy:.4f}")
    # The summary line cifar-linear bench prints too: the median epoch after the first.
    later = sorted(times[1:] or times)
    median = later[len(later) // 2] if len(later) % 2 else (later[len(later) // 2 - 1] + later[len(later) // 2]) / 2
    print(f"RESULT implementation=numpy-{args.version} backend=cpu batch={args.batch} epoch_seconds={median:.4f} "
          f"images_per_second={n / median:.0f} test_accuracy={accuracy:.4f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
