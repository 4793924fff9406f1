#!/usr/bin/env python3
"""Writes docs/PROTOCOL.md §12 (the worked example) from the specification alone: the manifest JSON,
the Ed25519 signature (deterministic, RFC 8032) under the seed 01 02 … 20, and the frame bytes. The test
suite checks the section against the Swift encoder (ProtocolDocumentTests), so two independent writers
agree on every byte. Usage: scripts/protocol/worked_example.py [docs/PROTOCOL.md]  (rewrites §12 in place)"""
import base64
import hashlib
import json
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def tensor_bytes(rows):
    out = struct.pack("<II", len(rows), len(rows[0]))
    for row in rows:
        out += b"".join(struct.pack("<f", v) for v in row)
    return out


def main(path):
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    fingerprint = hashlib.sha256(public).hexdigest()
    rows = [[0.5, -1.25, 3.0], [2.0, 0.0625, -0.75]]
    manifest = {
        "protocol": 2, "job_id": "job-0001", "batch": 0, "segment": 0, "attempt": 1, "segment_count": 1,
        "first_layer": 0, "layer_count": 2, "model_digest": hashlib.sha256(b"example model").hexdigest(),
        "model_published_at_ms": 1767225600000, "precision": "exact", "rows": 2, "input_columns": 3,
        "input_sha256": hashlib.sha256(tensor_bytes(rows)).hexdigest(), "reply_queue": "securenets.reply.job-0001",
        "producer_key": fingerprint, "issued_at_ms": 1767225600123,
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    signature = key.sign(manifest_bytes)
    metadata = b"{}"
    frame = (b"SNET" + bytes([1, 1, 0, 0]) + struct.pack("<I", len(manifest_bytes)) + manifest_bytes
             + struct.pack("<H", len(signature)) + signature + struct.pack("<I", len(metadata)) + metadata
             + struct.pack("<I", 1) + tensor_bytes(rows) + struct.pack("<I", 0))
    m_end = 12 + len(manifest_bytes)
    sig_at = m_end + 2
    meta_len_at = sig_at + 64
    meta_at = meta_len_at + 4
    count_at = meta_at + len(metadata)
    t = count_at + 4

    def hx(b):
        return " ".join(f"{x:02x}" for x in b)

    table = [
        (0, hx(frame[0:4]), "magic", "`SNET`"), (4, "01", "version", "1"), (5, "01", "kind", "1 = job"),
        (6, "00 00", "flags", "0"), (8, hx(frame[8:12]), "manifest_length", str(len(manifest_bytes))),
        (12, f"{hx(frame[12:16])} … ({len(manifest_bytes)} bytes)", "manifest", "the JSON below"),
        (m_end, hx(frame[m_end:m_end + 2]), "signature_length", "64"),
        (sig_at, f"{hx(signature[:4])} … {hx(signature[-2:])} (64 bytes)", "signature", f"Ed25519 of bytes 12–{m_end - 1}"),
        (meta_len_at, hx(frame[meta_len_at:meta_at]), "metadata_length", str(len(metadata))),
        (meta_at, hx(metadata), "metadata", "`{}`"),
        (count_at, hx(frame[count_at:count_at + 4]), "tensor_count", "1"),
        (t, hx(frame[t:t + 4]), "tensor 0 rows", "2"), (t + 4, hx(frame[t + 4:t + 8]), "tensor 0 columns", "3"),
    ]
    names = ["[0][0]", "[0][1]", "[0][2]", "[1][0]", "[1][1]", "[1][2]"]
    values = ["0.5", "−1.25", "3.0", "2.0", "0.0625", "−0.75"]
    for i, (name, value) in enumerate(zip(names, values)):
        at = t + 8 + 4 * i
        word = struct.unpack("<I", frame[at:at + 4])[0]
        table.append((at, hx(frame[at:at + 4]), name, f"{value} (`0x{word:08x}`)"))
    table.append((len(frame) - 4, hx(frame[-4:]), "blob_length", "0"))
    lines = "\n".join(f"| {o} | `{b}` | {f} | {v} |" for o, b, f, v in table)
    hex_lines = "\n".join(frame[i:i + 16].hex() for i in range(0, len(frame), 16))
    section = f"""## 12. Worked example

A job frame for a 2-layer segment with a 2 × 3 blinded input (2 rows, 2 features + the homogeneous
column). `scripts/protocol/worked_example.py` writes this section from the specification alone (Python's
`cryptography` for Ed25519); `ProtocolDocumentTests.workedExampleIsWhatTheCodeWrites` checks that the
bytes below are exactly what the Swift encoder writes.

- Producer key: Ed25519 seed `01 02 03 … 20` (hex), public key
  `{public.hex()}`, i.e. the authorized-keys line
  `ed25519 {base64.b64encode(public).decode()}`, fingerprint
  `{fingerprint}`.
- `model_digest` is, for the example only, the SHA-256 of the ASCII text `example model`.
- Input tensor `[[0.5, -1.25, 3], [2, 0.0625, -0.75]]`; its digest (§6.1) is `input_sha256`.

Field by field (offsets in decimal; {len(frame)} bytes in all):

| offset | bytes | field | value |
|---|---|---|---|
{lines}

The manifest (bytes 12–{m_end - 1}, exactly as signed; keys sorted, no whitespace):

```json
{manifest_bytes.decode()}
```

The signature (bytes {sig_at}–{sig_at + 63}):
`{signature[:32].hex()}`
`{signature[32:].hex()}`.

The whole frame, 16 bytes per line:

<!-- example-frame-hex:begin -->
```
{hex_lines}
```
<!-- example-frame-hex:end -->

"""
    text = open(path, encoding="utf-8").read()
    start = text.index("## 12. Worked example")
    end = text.index("## 13. Reference decoder")
    open(path, "w", encoding="utf-8").write(text[:start] + section + text[end:])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/PROTOCOL.md")
