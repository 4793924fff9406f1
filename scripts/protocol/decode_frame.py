#!/usr/bin/env python3
"""Decode one SecureNets frame and print its fields.

Written from docs/PROTOCOL.md alone (standard library only) to show that the document is enough to
speak the protocol. Usage:

    decode_frame.py [--json] [--trust AUTHORIZED_KEYS] FRAME_FILE

--json prints one JSON object instead of text. --trust checks the Ed25519 signature of the manifest
against the keys of an authorized-keys file. Exit status: 0 when the bytes are a well-formed frame
(whatever the digest and signature checks say), 2 when they are not, with "error: ..." on stderr.
"""

import argparse
import base64
import hashlib
import json
import math
import struct
import sys

MAGIC = b"SNET"
VERSION = 1
KINDS = {1: "job", 2: "result", 3: "reply", 4: "model", 5: "model_chunk", 6: "masked_job", 7: "masked_result"}
# Masked mode (docs/PROTOCOL.md §14): residues mod p in the blob.
MODULUS = 2 ** 31 - 1
# docs/PROTOCOL.md, "Limits".
LIMITS = {
    "frame": 1 << 30,
    "manifest": 1 << 20,
    "metadata": 64 << 10,
    "tensors": 1024,
    "tensor_elements": 1 << 28,
    "blob": 128 << 20,
}


class FrameError(Exception):
    pass


class Reader:
    """Little-endian reads that never run past the end."""

    def __init__(self, data):
        self.data = data
        self.offset = 0

    def take(self, count, field):
        if count > len(self.data) - self.offset:
            raise FrameError(f"truncated in {field}: needs {count} bytes, {len(self.data) - self.offset} left")
        chunk = self.data[self.offset:self.offset + count]
        self.offset += count
        return chunk

    def u8(self, field):
        return self.take(1, field)[0]

    def u16(self, field):
        return struct.unpack("<H", self.take(2, field))[0]

    def u32(self, field):
        return struct.unpack("<I", self.take(4, field))[0]


def tensor_bytes(rows, columns, data):
    """What a tensor digest hashes: rows u32 LE, columns u32 LE, then the float32 data."""
    return struct.pack("<II", rows, columns) + data


def decode(data):
    if len(data) > LIMITS["frame"]:
        raise FrameError(f"frame of {len(data)} bytes exceeds {LIMITS['frame']}")
    r = Reader(data)
    if r.take(4, "magic") != MAGIC:
        raise FrameError("bad magic (not a SecureNets frame)")
    version = r.u8("version")
    if version != VERSION:
        raise FrameError(f"unsupported version {version}")
    kind = r.u8("kind")
    if kind not in KINDS:
        raise FrameError(f"unknown kind {kind}")
    flags = r.u16("flags")

    manifest_length = r.u32("manifest length")
    if manifest_length > LIMITS["manifest"]:
        raise FrameError(f"manifest of {manifest_length} bytes exceeds {LIMITS['manifest']}")
    manifest = r.take(manifest_length, "manifest")
    signature_length = r.u16("signature length")
    if signature_length not in (0, 64):
        raise FrameError(f"signature must be 0 or 64 bytes, got {signature_length}")
    signature = r.take(signature_length, "signature")
    metadata_length = r.u32("metadata length")
    if metadata_length > LIMITS["metadata"]:
        raise FrameError(f"metadata of {metadata_length} bytes exceeds {LIMITS['metadata']}")
    metadata = r.take(metadata_length, "metadata")

    tensor_count = r.u32("tensor count")
    if tensor_count > LIMITS["tensors"]:
        raise FrameError(f"{tensor_count} tensors exceed {LIMITS['tensors']}")
    tensors = []
    for index in range(tensor_count):
        rows = r.u32(f"tensor {index} rows")
        columns = r.u32(f"tensor {index} columns")
        if rows * columns > LIMITS["tensor_elements"]:
            raise FrameError(f"tensor {index} ({rows}x{columns}) exceeds {LIMITS['tensor_elements']} elements")
        raw = r.take(4 * rows * columns, f"tensor {index} data")
        tensors.append({
            "rows": rows,
            "columns": columns,
            "raw": raw,
            "sha256": hashlib.sha256(tensor_bytes(rows, columns, raw)).hexdigest(),
        })
    blob_length = r.u32("blob length")
    if blob_length > LIMITS["blob"]:
        raise FrameError(f"blob of {blob_length} bytes exceeds {LIMITS['blob']}")
    blob = r.take(blob_length, "blob")
    if r.offset != len(data):
        raise FrameError(f"{len(data) - r.offset} trailing bytes after the frame")
    return {
        "version": version, "kind": KINDS[kind], "kind_code": kind, "flags": flags,
        "manifest_bytes": manifest, "signature": signature, "metadata_bytes": metadata,
        "tensors": tensors, "blob": blob, "sha256": hashlib.sha256(data).hexdigest(),
    }


def decode_residues(blob):
    """The residue matrices of a masked-mode blob (§14.1): rows u32, columns u32, rows·columns u32, each < p."""
    r = Reader(blob)
    matrices = []
    while r.offset < len(blob):
        index = len(matrices)
        rows = r.u32(f"residue matrix {index} rows")
        columns = r.u32(f"residue matrix {index} columns")
        if rows * columns > LIMITS["tensor_elements"]:
            raise FrameError(f"residue matrix {index} ({rows}x{columns}) exceeds {LIMITS['tensor_elements']} elements")
        raw = r.take(4 * rows * columns, f"residue matrix {index} data")
        values = struct.unpack(f"<{rows * columns}I", raw)
        if any(v >= MODULUS for v in values):
            raise FrameError(f"residue matrix {index} holds values that are not residues mod 2^31-1")
        matrices.append({"rows": rows, "columns": columns, "values": list(values),
                         "sha256": hashlib.sha256(tensor_bytes(rows, columns, raw)).hexdigest()})
    return matrices


def residues_of(frame, manifest):
    """Masked frames and masked replies (a reply manifest with `pool`) carry residues in the blob."""
    masked_reply = frame["kind"] == "reply" and isinstance(manifest, dict) and "pool" in manifest
    return decode_residues(frame["blob"]) if frame["kind"] in ("masked_job", "masked_result") or masked_reply else []


def parse_json(raw, what):
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise FrameError(f"{what} is not UTF-8 JSON: {error}")


def check_digests(frame, manifest, residues=()):
    """The digest rules of docs/PROTOCOL.md, per kind; None where a kind has none."""
    tensors = frame["tensors"]
    if not isinstance(manifest, dict):
        return None
    if frame["kind"] == "masked_job":
        if manifest.get("pool") == "mask":
            return len(residues) == 0 and isinstance(manifest.get("mask_seed"), str) and len(manifest["mask_seed"]) == 64
        return (len(residues) == 1 and residues[0]["sha256"] == manifest.get("input_sha256")
                and (residues[0]["rows"], residues[0]["columns"]) == (manifest.get("rows"), manifest.get("input_columns")))
    if frame["kind"] == "masked_result":
        if manifest.get("pool") == "mask":
            return len(residues) == 1
        return len(residues) == 2 and residues[0]["sha256"] == manifest.get("input_sha256")
    if frame["kind"] == "reply" and "pool" in manifest:
        return manifest.get("verdict") != "passed" or (len(residues) == 1 and residues[0]["sha256"] == manifest.get("output_sha256"))
    if frame["kind"] == "job":
        return (len(tensors) == 1 and tensors[0]["sha256"] == manifest.get("input_sha256")
                and (tensors[0]["rows"], tensors[0]["columns"]) == (manifest.get("rows"), manifest.get("input_columns")))
    if frame["kind"] == "result":
        return (len(tensors) == manifest.get("layer_count", -1) + 1 and tensors[0]["sha256"] == manifest.get("input_sha256"))
    if frame["kind"] == "reply" and manifest.get("verdict") == "passed":
        return len(tensors) == 1 and tensors[0]["sha256"] == manifest.get("output_sha256")
    return None


# Ed25519 verification (RFC 8032, section 5.1.7), cofactorless: [S]B == R + [k]A.
P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def _decompress(encoded):
    y = int.from_bytes(encoded, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


def _add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(scalar, point):
    result = (0, 1, 1, 0)
    while scalar > 0:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _equal(p, q):
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0


_BY = 4 * pow(5, P - 2, P) % P
BASE = (_recover_x(_BY, 0), _BY, 1, _recover_x(_BY, 0) * _BY % P)


def ed25519_verify(public_key, message, signature):
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _decompress(public_key)
    r = _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % L
    return _equal(_multiply(s, BASE), _add(r, _multiply(k, a)))


def load_authorized_keys(path):
    """Lines `ed25519 <base64 of the raw 32-byte key> [comment]`; blank lines and '#' comments skipped."""
    keys = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle.read().splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(" ", 2)
            try:
                raw = base64.b64decode(parts[1], validate=True) if len(parts) >= 2 and parts[0] == "ed25519" else b""
            except ValueError:
                raw = b""
            if len(raw) != 32:
                raise FrameError(f"{path} line {number} is not `ed25519 <base64 key> [comment]`")
            keys.append(raw)
    return keys


def _number(value):
    """Floats for JSON output: non-finite values as the strings the protocol uses."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def main():
    parser = argparse.ArgumentParser(description="Decode a SecureNets frame (docs/PROTOCOL.md).")
    parser.add_argument("frame", help="file holding exactly one frame")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--trust", help="authorized-keys file to check the manifest signature against")
    options = parser.parse_args()
    try:
        with open(options.frame, "rb") as handle:
            data = handle.read()
        frame = decode(data)
        manifest = parse_json(frame["manifest_bytes"], "manifest")
        metadata = parse_json(frame["metadata_bytes"], "metadata")
        residues = residues_of(frame, manifest)
        signer = None
        if options.trust is not None:
            signer = next((key for key in load_authorized_keys(options.trust)
                           if ed25519_verify(key, frame["manifest_bytes"], frame["signature"])), None)
    except (FrameError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    tensors = []
    for tensor in frame["tensors"]:
        count = tensor["rows"] * tensor["columns"]
        bits = struct.unpack(f"<{count}I", tensor["raw"])
        values = struct.unpack(f"<{count}f", tensor["raw"])
        tensors.append({"rows": tensor["rows"], "columns": tensor["columns"], "sha256": tensor["sha256"],
                        "bits": [f"{b:08x}" for b in bits], "values": [_number(v) for v in values]})
    summary = {
        "version": frame["version"], "kind": frame["kind"], "kind_code": frame["kind_code"], "flags": frame["flags"],
        "manifest": manifest, "signature": frame["signature"].hex(), "metadata": metadata,
        "tensors": tensors, "blob_length": len(frame["blob"]), "blob": frame["blob"].hex(),
        "sha256": frame["sha256"], "digests_ok": check_digests(frame, manifest, residues), "residues": residues,
    }
    if options.trust is not None:
        summary["signature_valid"] = signer is not None
        summary["signer_fingerprint"] = hashlib.sha256(signer).hexdigest() if signer else None

    if options.json:
        print(json.dumps(summary, allow_nan=False, sort_keys=True))
        return 0
    print(f"frame     {len(data)} bytes, sha256 {summary['sha256']}")
    print(f"version   {summary['version']}")
    print(f"kind      {summary['kind_code']} ({summary['kind']})")
    print(f"flags     {summary['flags']:#06x}")
    print(f"manifest  {len(frame['manifest_bytes'])} bytes")
    for key, value in (manifest or {}).items() if isinstance(manifest, dict) else []:
        print(f"  {key}: {value}")
    print(f"signature {len(frame['signature'])} bytes {summary['signature']}")
    if "signature_valid" in summary:
        print(f"  valid: {summary['signature_valid']}  signer: {summary['signer_fingerprint']}")
    print(f"metadata  {len(frame['metadata_bytes'])} bytes {json.dumps(metadata) if metadata is not None else ''}")
    print(f"tensors   {len(tensors)}")
    for index, tensor in enumerate(tensors):
        preview = ", ".join(str(v) for v in tensor["values"][:6]) + (", ..." if len(tensor["values"]) > 6 else "")
        print(f"  [{index}] {tensor['rows']}x{tensor['columns']} sha256 {tensor['sha256']}  [{preview}]")
    print(f"blob      {summary['blob_length']} bytes")
    for index, matrix in enumerate(residues):
        preview = ", ".join(str(v) for v in matrix["values"][:6]) + (", ..." if len(matrix["values"]) > 6 else "")
        print(f"  residues [{index}] {matrix['rows']}x{matrix['columns']} sha256 {matrix['sha256']}  [{preview}]")
    print(f"digests   {'ok' if summary['digests_ok'] else 'MISMATCH' if summary['digests_ok'] is False else 'n/a'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
