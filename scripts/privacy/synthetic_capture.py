"""Writes capture directories in Python from docs/PROTOCOL.md alone (frames §2, models §7, the
producer's blinding §10), so the attacks can be checked without a broker or a Swift build.

Deterministic: every key comes from the numpy generator passed in.
"""

import hashlib
import json
import os
import struct

import numpy as np

CHUNK_BYTES = 1 << 16


def frame(kind, manifest, tensors=(), metadata=None, blob=b""):
    """One frame (§2), unsigned."""
    m = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    md = json.dumps(metadata, sort_keys=True, separators=(",", ":")).encode() if metadata else b""
    out = [b"SNET", bytes([1, kind]), struct.pack("<HI", 0, len(m)), m, struct.pack("<H", 0),
           struct.pack("<I", len(md)), md, struct.pack("<I", len(tensors))]
    for t in tensors:
        t = np.ascontiguousarray(t, dtype="<f4")
        out += [struct.pack("<II", *t.shape), t.tobytes()]
    out += [struct.pack("<I", len(blob)), blob]
    return b"".join(out)


def tensor_digest(t):
    t = np.ascontiguousarray(t, dtype="<f4")
    return hashlib.sha256(struct.pack("<II", *t.shape) + t.tobytes()).hexdigest()


def monomial(n, signed, rng, spread=16.0):
    """(permutation, scales): row i has scales[i] in column permutation[i]."""
    permutation = rng.permutation(n)
    scales = np.exp(rng.uniform(-np.log(spread), np.log(spread), n))
    if signed:
        scales *= rng.choice([-1.0, 1.0], n)
    return permutation, scales


def left(key, x):
    """key · X for a monomial key: row i of the product is scales[i] · X[permutation[i]]."""
    permutation, scales = key
    return scales[:, None] * x[permutation]


def right(x, key):
    """X · key: column permutation[i] of the product is X[:, i] · scales[i]."""
    permutation, scales = key
    out = np.empty_like(x)
    out[:, permutation] = x * scales
    return out


def inverse(key):
    permutation, scales = key
    inv = np.empty_like(permutation)
    inv[permutation] = np.arange(len(permutation))
    inv_scales = np.empty_like(scales)
    inv_scales[permutation] = 1.0 / scales
    return inv, inv_scales


def homogeneous(w, b):
    top = np.hstack([w, np.zeros((w.shape[0], 1))])
    return np.vstack([top, np.append(b, 1.0)])


def write_job(directory, index, layers, rows, mode, rng, job_id, noise=False):
    """One job of `rows` (B × n_0) under freshly drawn keys, as the producer would publish it:
    the model's chunks and the segment-0 job. `layers` = [(W in × out, b)], ReLU between them."""
    count = len(layers)
    widths = [layers[0][0].shape[0]] + [w.shape[1] for w, _ in layers]
    chained = mode == "chained"
    edges = {0, count} if chained else set(range(count + 1))
    keys = [monomial(n + 1, b in edges, rng) for b, n in enumerate(widths)]
    blinded = []
    for l, (w, b) in enumerate(layers):
        wt = homogeneous(w, b)
        if noise:
            wt = rng.normal(size=wt.shape)
        blinded.append(right(left(inverse(keys[l]), wt), keys[l + 1]).astype(np.float32))
    activations = [{"activation": "relu"}] * (count - 1) + [{"activation": "identity"}]
    model = frame(4, {"layers": activations, "protocol": 1}, blinded)
    digest = hashlib.sha256(model).hexdigest()
    pieces = [model[i:i + CHUNK_BYTES] for i in range(0, len(model), CHUNK_BYTES)] or [b""]
    os.makedirs(os.path.join(directory, "models"), exist_ok=True)
    os.makedirs(os.path.join(directory, "jobs"), exist_ok=True)
    for i, piece in enumerate(pieces):
        chunk = frame(5, {"count": len(pieces), "index": i, "model_digest": digest, "total_bytes": len(model)},
                      blob=piece)
        with open(os.path.join(directory, "models", f"{index:02d}-{i:04d}.bin"), "wb") as handle:
            handle.write(chunk)
    batch_key = monomial(rows.shape[0], signed=not chained or count == 1, rng=rng)
    x = np.hstack([rows, np.ones((rows.shape[0], 1))])
    blinded_input = right(left(batch_key, x), keys[0]).astype(np.float32)
    if noise:
        blinded_input = rng.normal(size=blinded_input.shape).astype(np.float32)
    segment_layers = count if chained else 1
    manifest = {"batch": 0, "first_layer": 0, "input_columns": x.shape[1],
                "input_sha256": tensor_digest(blinded_input), "issued_at_ms": 0, "job_id": job_id,
                "layer_count": segment_layers, "model_digest": digest, "model_published_at_ms": 0,
                "precision": "exact", "producer_key": "0" * 64, "protocol": 1,
                "reply_queue": f"securenets.reply.{job_id}", "rows": rows.shape[0], "segment": 0,
                "segment_count": 1 if chained else count}
    with open(os.path.join(directory, "jobs", f"{index:04d}.bin"), "wb") as handle:
        handle.write(frame(1, manifest, [blinded_input], {"attempt": 1}))
