#!/usr/bin/env python3
"""Writes docs/PROTOCOL.md §14.8 (masked mode's worked example) from the specification alone: R from the
mask PRG (AES-256-CTR, scripts/masked/prg_test_vector.py), X̂ = (X_q + R) mod p, the data-pool job frame
signed with Ed25519 under the seed 01 02 … 20, the mask-pool manifest, and both pools' products, which
unmask to X_q · W_q. ProtocolDocumentTests checks the bytes against the Swift encoder.
Usage: scripts/protocol/masked_example.py [docs/PROTOCOL.md]  (rewrites §14.8 in place)"""
import hashlib
import json
import struct
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "masked"))
from prg_test_vector import mask_row  # noqa: E402  (the independent PRG implementation)

P = (1 << 31) - 1
BEGIN, END = "<!-- masked-example:begin -->", "<!-- masked-example:end -->"


def residues(matrix):
    """A residue matrix's encoding (§14.1): rows u32, columns u32, then the u32 elements."""
    return struct.pack("<II", len(matrix), len(matrix[0])) + b"".join(struct.pack("<I", v) for row in matrix for v in row)


def product(x, w):
    return [[sum(a * b for a, b in zip(row, column)) % P for column in zip(*w)] for row in x]


def frame(kind, manifest_bytes, signature, metadata, blob):
    return (b"SNET" + bytes([1, kind, 0, 0]) + struct.pack("<I", len(manifest_bytes)) + manifest_bytes
            + struct.pack("<H", len(signature)) + signature + struct.pack("<I", len(metadata)) + metadata
            + struct.pack("<I", 0) + struct.pack("<I", len(blob)) + blob)


def main(path):
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    fingerprint = hashlib.sha256(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()
    seed = bytes(range(32))
    x_q = [[3, -2, 7], [0, 5, -1]]
    w_q = [[1, -2], [3, 0], [-1, 4]]
    r = [mask_row(seed, i, 3) for i in range(2)]
    x_hat = [[(x + m) % P for x, m in zip(xr, rr)] for xr, rr in zip(x_q, r)]
    common = {
        "protocol": 3, "mode": "masked", "job_id": "job-0001", "batch": 0, "layer": 0, "attempt": 1, "layer_count": 2,
        "modulus": P, "activation_bits": 15, "weight_bits": 15,
        "model_digest": hashlib.sha256(b"example model").hexdigest(), "model_published_at_ms": 1767225600000,
        "rows": 2, "input_columns": 3, "output_columns": 2, "reply_queue": "securenets.reply.job-0001",
        "producer_key": fingerprint, "issued_at_ms": 1767225600123,
    }
    data = dict(common, pool="data", input_sha256=hashlib.sha256(residues(x_hat)).hexdigest())
    mask = dict(common, pool="mask", mask_seed=seed.hex())
    data_bytes = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    mask_bytes = json.dumps(mask, sort_keys=True, separators=(",", ":")).encode()
    data_frame = frame(6, data_bytes, key.sign(data_bytes), b"{}", residues(x_hat))
    z_a, z_b = product(x_hat, w_q), product(r, w_q)
    z = [[(a - b) % P for a, b in zip(ra, rb)] for ra, rb in zip(z_a, z_b)]
    centred = [[v - P if v > P // 2 else v for v in row] for row in z]
    hex_lines = "\n".join(data_frame[i:i + 16].hex() for i in range(0, len(data_frame), 16))
    section = f"""{BEGIN}
Inputs of the example (all fixed, so any implementation can reproduce every byte):

- Producer key: Ed25519 seed `01 02 03 … 20`, as in §12 (fingerprint `{fingerprint}`).
- Layer 0 of a 2-layer model, K = 3 inputs, N = 2 outputs, so c = 2, w = 15, a = 15 (§14.4).
  Quantized weights W_q = `{w_q}` (K × N); quantized batch X_q = `{x_q}` (B = 2 rows).
- Seed of R: bytes `00 01 02 … 1f`. R (§14.5) = `{r}`.
- X̂ = (X_q + R) mod p = `{x_hat}`.

The data pool's job frame (kind 6; {len(data_frame)} bytes): the manifest, its signature, metadata `{{}}`,
no tensors, and in the blob X̂ (§14.1). Manifest, exactly as signed:

```json
{data_bytes.decode()}
```

<!-- masked-example-hex:begin -->
```
{hex_lines}
```
<!-- masked-example-hex:end -->

The mask pool's manifest (its frame carries an empty blob):

```json
{mask_bytes.decode()}
```

The pools' products and what the producer recovers:

- Z_A = X̂ · W_q mod p = `{z_a}` (data pool)
- Z_B = R · W_q mod p = `{z_b}` (mask pool)
- Z_A − Z_B mod p = `{z}`, centred to (−p/2, p/2]: `{centred}` = X_q · W_q.
{END}"""
    text = open(path, encoding="utf-8").read()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    open(path, "w", encoding="utf-8").write(text[:start] + section + text[end:])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/PROTOCOL.md")
