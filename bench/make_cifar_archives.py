#!/usr/bin/env python3
"""Builds full-size CIFAR-10 archives in the three official layouts from a folder or .zip of
train/<class>/* and test/<class>/* images, for measuring how fast the loaders read them on a
machine that cannot download the official files:

    python3 bench/make_cifar_archives.py cifar10-jpeg.zip OUTDIR

writes OUTDIR/cifar-10-binary.tar.gz, cifar-10-python.tar.gz and cifar-10-matlab.tar.gz with
the official folder names, file names, batch sizes (5 x 10,000 training images in a shuffled
order, 10,000 test images) and encodings: binary records; pickles written exactly as Python 2's
cPickle wrote them (byte-string keys, numpy.core.multiarray._reconstruct with the pixels in a
str); MATLAB v5 files. Needs Pillow, NumPy and SciPy.
"""
import io
import os
import pickle
import random
import struct
import sys
import tarfile
import tempfile
import types
import zipfile

import numpy as np
import scipy.io as sio
from PIL import Image

CLASSES = None


def read_images(path):
    """(train, test): lists of (uint8 bytes channel-major, label), classes in sorted folder order."""
    entries = []
    if zipfile.is_zipfile(path):
        z = zipfile.ZipFile(path)
        for n in z.namelist():
            parts = n.split("/")
            if len(parts) >= 3 and parts[-3] in ("train", "test") and n.lower().endswith((".jpg", ".jpeg", ".png")):
                entries.append((parts[-3], parts[-2], parts[-1], lambda n=n: z.read(n)))
    else:
        for split in ("train", "test"):
            for cls in os.listdir(os.path.join(path, split)):
                for f in os.listdir(os.path.join(path, split, cls)):
                    p = os.path.join(path, split, cls, f)
                    entries.append((split, cls, f, lambda p=p: open(p, "rb").read()))
    classes = sorted({e[1] for e in entries if e[0] == "train"})
    out = {"train": [], "test": []}
    for split, cls, name, read in sorted(entries, key=lambda e: (e[0], e[1], e[2])):
        a = np.asarray(Image.open(io.BytesIO(read())).convert("RGB"), dtype=np.uint8)
        out[split].append((a.transpose(2, 0, 1).tobytes(), classes.index(cls)))
    return classes, out["train"], out["test"]


# Python 2 style pickles: str (here bytes) as BINSTRING, arrays through numpy.core.multiarray.
_multiarray = types.ModuleType("numpy.core.multiarray")
_numpy = types.ModuleType("numpy")


def _reconstruct(cls, shape, code):
    raise NotImplementedError


class ndarray:
    def __init__(self, rows, raw):
        self.rows, self.raw = rows, raw

    def __reduce__(self):
        return (_reconstruct, (ndarray, (0,), b"b"), (1, (self.rows, 3072), dtype(b"u1"), False, self.raw))


class dtype:
    def __init__(self, code):
        self.code = code

    def __reduce__(self):
        return (dtype, (self.code, 0, 1), (3, b"|", None, None, None, -1, -1, 0))


for obj, mod, name in ((_reconstruct, _multiarray, "_reconstruct"), (ndarray, _numpy, "ndarray"), (dtype, _numpy, "dtype")):
    obj.__module__ = mod.__name__
    obj.__qualname__ = obj.__name__ = name
    setattr(mod, name, obj)


class Py2Pickler(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()

    def save_bytes(self, obj):
        n = len(obj)
        self.write((pickle.SHORT_BINSTRING + bytes([n]) if n < 256 else pickle.BINSTRING + struct.pack("<i", n)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_bytes

    def save_global(self, obj, name=None):
        self.write(pickle.GLOBAL + obj.__module__.encode() + b"\n" + obj.__name__.encode() + b"\n")
        self.memoize(obj)

    dispatch[types.FunctionType] = save_global
    dispatch[type] = save_global


def py2_pickle(obj):
    buf = io.BytesIO()
    Py2Pickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    classes, train, test = read_images(src)
    random.Random(0).shuffle(train)
    batches = [train[b * 10000:(b + 1) * 10000] for b in range(5)]
    named = [("data_batch_%d" % (b + 1), batch) for b, batch in enumerate(batches)] + [("test_batch", test)]

    with tarfile.open(os.path.join(out, "cifar-10-binary.tar.gz"), "w:gz") as tar:
        for name, batch in named:
            add(tar, "cifar-10-batches-bin/%s.bin" % name, b"".join(bytes([y]) + px for px, y in batch))
        add(tar, "cifar-10-batches-bin/batches.meta.txt", ("\n".join(classes) + "\n\n").encode())

    with tarfile.open(os.path.join(out, "cifar-10-python.tar.gz"), "w:gz") as tar:
        for name, batch in named:
            add(tar, "cifar-10-batches-py/" + name, py2_pickle({
                b"batch_label": name.encode(), b"labels": [y for _, y in batch],
                b"data": ndarray(len(batch), b"".join(px for px, _ in batch)),
                b"filenames": [b"image_%05d.png" % i for i in range(len(batch))]}))
        add(tar, "cifar-10-batches-py/batches.meta", py2_pickle({
            b"num_cases_per_batch": 10000, b"label_names": [c.encode() for c in classes], b"num_vis": 3072}))

    with tarfile.open(os.path.join(out, "cifar-10-matlab.tar.gz"), "w:gz") as tar:
        with tempfile.TemporaryDirectory() as tmp:
            for name, batch in named:
                f = os.path.join(tmp, name + ".mat")
                data = np.frombuffer(b"".join(px for px, _ in batch), dtype=np.uint8).reshape(len(batch), 3072)
                sio.savemat(f, {"data": data, "labels": np.array([[y] for _, y in batch], dtype=np.uint8),
                                "batch_label": name})
                tar.add(f, "cifar-10-batches-mat/%s.mat" % name)
            names = np.empty((len(classes), 1), dtype=object)
            names[:, 0] = classes
            f = os.path.join(tmp, "batches.meta.mat")
            sio.savemat(f, {"label_names": names})
            tar.add(f, "cifar-10-batches-mat/batches.meta.mat")


if __name__ == "__main__":
    main()
