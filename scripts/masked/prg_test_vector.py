#!/usr/bin/env python3
"""Independent implementation of masked mode's mask PRG (docs/MASKED.md), for the committed test vector.

Writes Tests/SecureNetsTests/Fixtures/masked-prg-vector.json: for fixed seeds, the first values of
several rows of R. The Swift test (MaskStreamTests) compares MaskStream against this file, so the
expected values never come from the code under test.

Construction, as specified:
  row i's keystream = AES-256-CTR(key = seed, initial counter block = 00000000 || BE64(i) || 00000002),
  read as little-endian 32-bit words; candidate = word & 0x7FFFFFFF; the candidate 2^31 - 1 is rejected;
  row i = the first `columns` accepted candidates.
Uses the `cryptography` package (OpenSSL's AES), not the BoringSSL copy inside swift-crypto.
"""
import json
import struct
import sys
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

P = (1 << 31) - 1


def keystream(seed: bytes, row: int, words: int) -> bytes:
    counter_block = b"\x00" * 4 + row.to_bytes(8, "big") + (2).to_bytes(4, "big")
    encryptor = Cipher(algorithms.AES(seed), modes.CTR(counter_block)).encryptor()
    return encryptor.update(b"\x00" * (4 * words)) + encryptor.finalize()


def mask_row(seed: bytes, row: int, columns: int) -> list[int]:
    words = columns
    while True:
        values = []
        stream = keystream(seed, row, words)
        for (word,) in struct.iter_unpack("<I", stream):
            candidate = word & P
            if candidate != P:
                values.append(candidate)
            if len(values) == columns:
                return values
        words += columns - len(values) + 4


def main() -> None:
    seeds = {
        "counting": bytes(range(32)),
        "zeros": bytes(32),
        "pattern": bytes((7 * i + 3) % 256 for i in range(32)),
    }
    vectors = []
    for name, seed in seeds.items():
        for row in (0, 1, 2, 1000, 2**40 + 5):
            vectors.append({"seed_name": name, "seed_hex": seed.hex(), "row": row, "columns": 40,
                            "values": mask_row(seed, row, 40)})
    out = Path(__file__).resolve().parents[2] / "Tests/SecureNetsTests/Fixtures/masked-prg-vector.json"
    if len(sys.argv) > 1:
        out = Path(sys.argv[1])
    out.write_text(json.dumps({"modulus": P, "vectors": vectors}, indent=1) + "\n")
    print(f"wrote {len(vectors)} rows to {out}")


if __name__ == "__main__":
    main()
