"""Masked mode's arithmetic in Python, from docs/MASKED.md alone: bit widths, quantization of weights
and activations, the mask PRG, residue matrices and the pools' products mod p.

Used by the synthetic captures (selftest), by the curious data-pool worker (its honest product), and
by ground truth (which unmasks with the mask pool's seed to prove the alignment). The attacks use only
what a data-pool worker has anyway: the modulus and the widths named in the manifests.
"""

import struct

import numpy as np

P = (1 << 31) - 1  # the modulus, 2^31 - 1
HALF = P // 2      # residues above (p - 1)/2 stand for negative values


def ceiling_log2(n):
    return 0 if n <= 1 else int(n - 1).bit_length()


def bit_widths(inputs):
    """(a, w) for a layer with `inputs` inputs: w = min(⌊(32 − c)/2⌋, 23 − c), a = 32 − c − w."""
    c = ceiling_log2(inputs)
    w = min((32 - c) // 2, 23 - c)
    if w < 2:
        raise ValueError(f"a layer with {inputs} inputs does not fit masked mode")
    return 32 - c - w, w


def limit(bits):
    return (1 << (bits - 1)) - 1


def quantize_weights(w, bits):
    """(W_q, per-unit scales): s_j = max_k |W_kj| / (2^(w−1) − 1) (1 for an all-zero unit), W_q = round(W / s_j)."""
    w = np.asarray(w, dtype=np.float32).astype(np.float64)
    largest = np.abs(w).max(axis=0)
    scales = np.where(largest > 0, largest / limit(bits), 1.0)
    return np.clip(np.rint(w / scales), -limit(bits), limit(bits)).astype(np.int64), scales


def quantize_activations(a, bits):
    """(X_q, s_x) as the producer's kernel: s_x = max |A| / (2^(a−1) − 1) (1 when A = 0), X_q = A / s_x
    clipped and rounded half away from zero, in float64 from float32 values."""
    a = np.asarray(a, dtype=np.float32)
    largest = float(np.abs(a).max()) if a.size else 0.0
    scale = largest / limit(bits) if largest > 0 else 1.0
    scaled = np.clip(a.astype(np.float64) * (1.0 / scale), -limit(bits), limit(bits))
    return np.trunc(scaled + np.where(scaled >= 0, 0.5, -0.5)).astype(np.int64), scale


def centred(residues):
    """Residues as integers in (−p/2, p/2]."""
    r = np.asarray(residues, dtype=np.int64)
    return np.where(r > HALF, r - P, r)


def mask_rows(seed, rows, columns):
    """R (rows × columns, uniform in Z_p) from a 32-byte seed, as docs/MASKED.md specifies: row i is the
    first `columns` accepted candidates (low 31 bits of little-endian words, 2^31 − 1 rejected) of
    AES-256-CTR under the seed with the counter block 00000000 ‖ BE64(i) ‖ 00000002."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    out = np.empty((rows, columns), dtype=np.int64)
    for i in range(rows):
        words, values = columns, None
        while True:
            block = b"\x00" * 4 + i.to_bytes(8, "big") + (2).to_bytes(4, "big")
            encryptor = Cipher(algorithms.AES(seed), modes.CTR(block)).encryptor()
            stream = np.frombuffer(encryptor.update(b"\x00" * (4 * words)), dtype="<u4").astype(np.int64) & P
            values = stream[stream != P]
            if len(values) >= columns:
                break
            words += columns - len(values) + 4
        out[i] = values[:columns]
    return out


def mask(x_q, r):
    """X̂ = (X_q + R) mod p."""
    return np.mod(np.asarray(x_q, dtype=np.int64) + r, P)


def product(residues, w_q):
    """X · W_q mod p, exact: |X| < 2^31 and K·2^(30+w) ≤ 2^53 keep every int64 partial sum exact."""
    return np.mod(np.asarray(residues, dtype=np.int64) @ np.asarray(w_q, dtype=np.int64), P)


def encode_residues(matrix):
    """`rows u32 | columns u32 | rows·columns u32`, little-endian, row-major (ResidueCoding)."""
    m = np.ascontiguousarray(matrix, dtype="<u4")
    return struct.pack("<II", *m.shape) + m.tobytes()


def decode_residues(blob):
    """The residue matrices of a blob, in order; ValueError on truncation or an element ≥ p."""
    matrices, offset = [], 0
    while offset < len(blob):
        if len(blob) - offset < 8:
            raise ValueError("residue matrix shape truncated")
        rows, columns = struct.unpack_from("<II", blob, offset)
        offset += 8
        size = 4 * rows * columns
        if len(blob) - offset < size:
            raise ValueError(f"residue matrix {rows}x{columns} truncated")
        m = np.frombuffer(blob, dtype="<u4", count=rows * columns, offset=offset).reshape(rows, columns)
        if m.size and m.max() >= P:
            raise ValueError("residue matrix holds an element ≥ p")
        matrices.append(m.astype(np.int64))
        offset += size
    return matrices
