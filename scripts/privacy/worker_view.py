"""What a worker receives, decoded: job frames and the models they name (any privacy mode).

Reads only a capture directory written by `capture.py`, `curious_data_worker.py` (or by
`selftest.py`): `jobs/*.bin` and `models/*.bin`, one frame per file, exactly the message bodies a
worker consumes from `securenets.jobs` (blinded mode) or `securenets.jobs.data` (masked mode) and the
`securenets.models` stream. Frames are decoded with the reference decoder
scripts/protocol/decode_frame.py; model chunks are assembled as docs/PROTOCOL.md §7.2 says.
Nothing here knows a key, a seed, a private row or a label.
"""

import glob
import hashlib
import os
import sys
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "protocol"))
import decode_frame  # noqa: E402
import masked_math  # noqa: E402

# Masked mode's job frame (kind 6, protocol 3; docs/PROTOCOL.md §14), which the reference decoder reads.
MASKED_JOB_KIND = 6
assert decode_frame.KINDS[MASKED_JOB_KIND] == "masked_job"


@dataclass
class Job:
    manifest: dict
    metadata: dict
    tensors: list  # float32 numpy matrices, as received (blinded mode)
    residues: list = field(default_factory=list)  # int64 matrices of residues mod p (masked mode's X̂)

    @property
    def masked(self):
        return self.manifest.get("mode") == "masked"


@dataclass
class Model:
    digest: str
    manifest: dict
    weights: list  # one float32 numpy matrix per layer


@dataclass
class WorkerView:
    jobs: list = field(default_factory=list)
    models: dict = field(default_factory=dict)  # digest -> Model

    def model_of(self, job):
        return self.models.get(job.manifest.get("model_digest"))


class CaptureError(Exception):
    pass


def tensor_array(tensor):
    values = np.frombuffer(tensor["raw"], dtype="<f4")
    return values.reshape(tensor["rows"], tensor["columns"]).astype(np.float32)


def decode(data, what):
    try:
        frame = decode_frame.decode(data)
        return frame, decode_frame.parse_json(frame["manifest_bytes"], "manifest"), \
            decode_frame.parse_json(frame["metadata_bytes"], "metadata")
    except decode_frame.FrameError as error:
        raise CaptureError(f"{what}: {error}") from error


def assemble_models(chunks):
    """Model frames from chunk frames (§7.2): per digest, every index once, length and SHA-256 checked."""
    by_digest = {}
    for manifest, blob in chunks:
        entry = by_digest.setdefault(manifest["model_digest"], {"count": manifest["count"],
                                                                "total": manifest["total_bytes"], "blobs": {}})
        entry["blobs"][manifest["index"]] = blob
    models = {}
    for digest, entry in by_digest.items():
        if len(entry["blobs"]) != entry["count"]:
            continue  # incomplete: a worker could not use it either
        data = b"".join(entry["blobs"][i] for i in range(entry["count"]))
        if len(data) != entry["total"] or hashlib.sha256(data).hexdigest() != digest:
            raise CaptureError(f"model {digest[:12]}: assembled bytes do not match the digest")
        models[digest] = data
    return models


def load(directory):
    """The worker's view of a capture directory; raises CaptureError on a malformed frame."""
    view = WorkerView()
    for path in sorted(glob.glob(os.path.join(directory, "jobs", "*.bin"))):
        with open(path, "rb") as handle:
            frame, manifest, metadata = decode(handle.read(), path)
        if frame["kind"] == "job":
            view.jobs.append(Job(manifest=manifest, metadata=metadata or {},
                                 tensors=[tensor_array(t) for t in frame["tensors"]]))
        elif frame["kind_code"] == MASKED_JOB_KIND:
            try:
                residues = masked_math.decode_residues(frame["blob"])
            except ValueError as error:
                raise CaptureError(f"{path}: {error}") from error
            view.jobs.append(Job(manifest=manifest, metadata=metadata or {}, tensors=[], residues=residues))
    chunks = []
    for path in sorted(glob.glob(os.path.join(directory, "models", "*.bin"))):
        with open(path, "rb") as handle:
            frame, manifest, _ = decode(handle.read(), path)
        if frame["kind"] == "model_chunk":
            chunks.append((manifest, frame["blob"]))
    for digest, data in assemble_models(chunks).items():
        frame, manifest, _ = decode(data, f"model {digest[:12]}")
        view.models[digest] = Model(digest=digest, manifest=manifest,
                                    weights=[tensor_array(t) for t in frame["tensors"]])
    return view
