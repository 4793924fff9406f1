"""Encodes frames (docs/PROTOCOL.md §2) in Python: for synthetic captures and the curious data-pool
worker's results. The reference decoder is scripts/protocol/decode_frame.py."""

import json
import struct

import numpy as np

KINDS = {"job": 1, "result": 2, "reply": 3, "model": 4, "model_chunk": 5, "masked_job": 6, "masked_result": 7}


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def frame(kind, manifest, tensors=(), metadata=None, blob=b"", signature=b""):
    """One frame. `manifest` is a dict (encoded canonically) or the exact bytes to carry (signed bytes
    are copied, never re-encoded); `signature` is empty or 64 bytes."""
    m = manifest if isinstance(manifest, (bytes, bytearray)) else canonical_json(manifest)
    md = metadata if isinstance(metadata, (bytes, bytearray)) else (canonical_json(metadata) if metadata else b"")
    out = [b"SNET", bytes([1, KINDS[kind] if isinstance(kind, str) else kind]), struct.pack("<HI", 0, len(m)), m,
           struct.pack("<H", len(signature)), bytes(signature), struct.pack("<I", len(md)), md,
           struct.pack("<I", len(tensors))]
    for t in tensors:
        t = np.ascontiguousarray(t, dtype="<f4")
        out += [struct.pack("<II", *t.shape), t.tobytes()]
    out += [struct.pack("<I", len(blob)), bytes(blob)]
    return b"".join(out)
