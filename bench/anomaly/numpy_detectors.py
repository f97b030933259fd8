#!/usr/bin/python3
"""Straightforward Python/numpy SR (streaming, ML.NET DetectAnomalyBySrCnn semantics) and PCA T²/SPE, written by us for
the side-by-side comparison in run.sh. Prints one line per detector: name, samples, median seconds over the repeats."""
import glob, json, os, sys, time
import numpy as np

DATA = sys.argv[1]
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def load_nab():
    out = []
    for p in sorted(glob.glob(os.path.join(DATA, "nab", "*", "*.csv"))):
        with open(p) as f:
            next(f)
            out.append(np.array([float(l.split(",")[1]) for l in f if l.strip()]))
    return out


def load_skab():
    out = []
    for p in sorted(glob.glob(os.path.join(DATA, "skab", "valve1", "*.csv"))):
        with open(p) as f:
            next(f)
            out.append(np.array([[float(v) for v in l.split(";")[1:9]] for l in f if l.strip()]))
    return out


def average_filter(x, n):
    c = np.cumsum(x)
    r = c.copy()
    r[n:] = (c[n:] - c[:-n]) / n
    r[1:n] /= np.arange(2, n + 1)
    return r


def sr_stream(values, w=64, back=5, look=5, avg=3, judge=21, thr=0.3):
    scores = np.zeros(len(values))
    for i in range(w - 1, len(values)):
        win = values[i - w + 1:i + 1]
        p = win[w - look - 2:w - 1]
        slope = np.sum((p[-1] - p[:-1]) / (len(p) - 1 - np.arange(len(p) - 1)))
        ext = np.concatenate([win, np.full(back, p[1] + slope)])
        f = np.fft.fft(ext)
        mag = np.abs(f)
        logm = np.where(mag != 0, np.log(np.where(mag != 0, mag, 1)), 0)
        spec = np.exp(logm - average_filter(logm, avg))
        z = np.where(logm != 0, f * spec / np.where(mag != 0, mag, 1), 0)
        sal = np.abs(np.fft.ifft(z))
        a = average_filter(sal, judge)
        scores[i] = abs(sal[w - 1] - a[w - 1]) / max(a[w - 1], 1e-8) / 10
    return scores


def pca_fit(x, var=0.85):
    mu = x.mean(0)
    sd = x.std(0)
    sd[sd < 1e-12] = 1
    z = (x - mu) / sd
    lam, v = np.linalg.eigh(np.cov(z.T))
    o = np.argsort(lam)[::-1]
    lam, v = lam[o], v[:, o]
    k = min(max(int(np.searchsorted(np.cumsum(lam) / lam.sum(), var)) + 1, 1), len(lam) - 1)
    return mu, sd, lam[:k], v[:, :k]


def pca_stream(x, model):
    mu, sd, lam, p = model
    out = np.zeros((len(x), 2))
    for i in range(len(x)):
        z = (x[i] - mu) / sd
        t = p.T @ z
        r = z - p @ t
        out[i] = (np.sum(t * t / lam), r @ r)
    return out


def pca_batch(x, model):
    mu, sd, lam, p = model
    z = (x - mu) / sd
    t = z @ p
    r = z - t @ p.T
    return np.sum(t * t / lam, 1), np.sum(r * r, 1)


def timed(name, n, fn):
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    print(json.dumps({"name": name, "samples": n, "seconds": float(np.median(times))}), flush=True)


nab = load_nab()
skab = load_skab()
timed("sr-stream", sum(len(v) for v in nab), lambda: [sr_stream(v) for v in nab])
models = [pca_fit(x[:400]) for x in skab]
timed("pca-t2spe-stream", sum(len(x) - 400 for x in skab), lambda: [pca_stream(x[400:], m) for x, m in zip(skab, models)])
timed("pca-t2spe-batch", sum(len(x) - 400 for x in skab), lambda: [pca_batch(x[400:], m) for x, m in zip(skab, models)])
