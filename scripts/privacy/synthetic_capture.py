"""Writes capture directories in Python from docs/PROTOCOL.md alone (frames §2, models §7, the
producer's blinding §10), so the attacks can be checked without a broker or a Swift build.

Deterministic: every key comes from the numpy generator passed in.
"""

import hashlib
import os
import struct

import numpy as np

from frame_encoding import frame
import masked_math

CHUNK_BYTES = 1 << 16


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


def write_model(directory, index, model):
    """A model frame as the chunks of the models stream (§7.2); returns its digest."""
    digest = hashlib.sha256(model).hexdigest()
    pieces = [model[i:i + CHUNK_BYTES] for i in range(0, len(model), CHUNK_BYTES)] or [b""]
    os.makedirs(os.path.join(directory, "models"), exist_ok=True)
    os.makedirs(os.path.join(directory, "jobs"), exist_ok=True)
    for i, piece in enumerate(pieces):
        chunk = frame(5, {"count": len(pieces), "index": i, "model_digest": digest, "total_bytes": len(model)},
                      blob=piece)
        with open(os.path.join(directory, "models", f"{index:02d}-{i:04d}.bin"), "wb") as handle:
            handle.write(chunk)
    return digest


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
    digest = write_model(directory, index, frame(4, {"layers": activations, "protocol": 1}, blinded))
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


def write_masked_job(directory, truth_directory, index, layers, rows, rng, job_id, masking="uniform"):
    """One masked-mode job of `rows` (B × n_0) as the producer runs it (docs/MASKED.md), one batch:
    the quantized model on the stream, and per layer the data pool's job (X̂ = X_q + R mod p in the
    blob) in `directory`, the mask pool's (the seed of R) in `truth_directory`, which only ground truth
    reads. Activations are computed as the producer does (unmask, dequantize, add the bias, ReLU
    between layers). `masking` = "uniform" (R from the real PRG under a random seed), or a broken
    producer for the controls that the attacks and checks can fail: "none" (R = 0, X̂ = X_q) and
    "short" (R uniform below 2^16 instead of p)."""
    widths = [masked_math.bit_widths(w.shape[0]) for w, _ in layers]
    quantized = [masked_math.quantize_weights(w, bits) for (w, _), (_, bits) in zip(layers, widths)]
    entries = [{"activation_bits": a, "weight_bits": w} for a, w in widths]
    model = frame(4, {"layers": entries, "mode": "masked", "modulus": masked_math.P, "protocol": 3},
                  [w_q.astype(np.float32) for w_q, _ in quantized])
    digest = write_model(directory, index, model)
    os.makedirs(os.path.join(truth_directory, "jobs"), exist_ok=True)
    a = np.asarray(rows, dtype=np.float32)
    for layer, ((w, b), (w_q, scales), (a_bits, w_bits)) in enumerate(zip(layers, quantized, widths)):
        x_q, s_x = masked_math.quantize_activations(a, a_bits)
        seed = rng.bytes(32)
        if masking == "uniform":
            r = masked_math.mask_rows(seed, *x_q.shape)
        elif masking == "short":
            r = rng.integers(0, 1 << 16, size=x_q.shape)
        else:
            r = np.zeros_like(x_q)
        x_hat = masked_math.mask(x_q, r)
        common = {"activation_bits": a_bits, "attempt": 1, "batch": 0, "issued_at_ms": 0,
                  "input_columns": w.shape[0], "job_id": job_id, "layer": layer, "layer_count": len(layers),
                  "mode": "masked", "model_digest": digest, "model_published_at_ms": 0, "modulus": masked_math.P,
                  "output_columns": w.shape[1], "producer_key": "0" * 64, "protocol": 3,
                  "reply_queue": f"securenets.reply.{job_id}", "rows": x_q.shape[0], "weight_bits": w_bits}
        blob = masked_math.encode_residues(x_hat)
        data = dict(common, pool="data", input_sha256=hashlib.sha256(blob).hexdigest())
        with open(os.path.join(directory, "jobs", f"{index:02d}-{layer:04d}.bin"), "wb") as handle:
            handle.write(frame(6, data, metadata=b"{}", blob=blob))
        with open(os.path.join(truth_directory, "jobs", f"{index:02d}-{layer:04d}.bin"), "wb") as handle:
            handle.write(frame(6, dict(common, pool="mask", mask_seed=seed.hex())))
        z = masked_math.centred(np.mod(masked_math.product(x_hat, w_q) - masked_math.product(r, w_q), masked_math.P))
        a = (z * (s_x * scales) + np.asarray(b, dtype=np.float64)).astype(np.float32)
        if layer + 1 < len(layers):
            a = np.maximum(a, 0)
