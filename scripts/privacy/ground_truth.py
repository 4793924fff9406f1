"""Ground truth that the attacks never read: the private rows, their labels, the true model, and
the true correspondence between a received job and its plaintext.

Blinded mode: the correspondence is derived without the producer's keys, from the true first layer
and the captured blinded one, and then proven: every received row must reproduce a private row
exactly (GroundTruthError otherwise), so a wrong alignment can never inflate a score.
Masked mode: rows and columns are not permuted; that is proven by unmasking with the seed of the
mask pool's job for the same batch and layer (tapped for ground truth only, never shown to the
attacks): X̂ − R must be exactly the producer's X_q of the private rows, so a wrong alignment can
neither inflate a score nor hide a leak as chance.
"""

import json
import os
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

import glob

import masked_math
import public_prior
import worker_view

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(REPO, "samples", "digits")


class GroundTruthError(Exception):
    pass


@dataclass(frozen=True)
class TrueModel:
    weights: list  # (inputs × outputs, bias) per layer; ReLU between layers, softmax at the end

    def logits(self, images):
        a = images.astype(np.float64)
        for index, (w, b) in enumerate(self.weights):
            a = a @ w + b
            if index < len(self.weights) - 1:
                a = np.maximum(a, 0)
        return a

    def predict(self, images):
        return self.logits(images).argmax(axis=1)

    def homogeneous_first_layer(self):
        w, b = self.weights[0]
        top = np.hstack([w, np.zeros((w.shape[0], 1))])
        return np.vstack([top, np.append(b, 1.0)])


def load_true_model(path=os.path.join(SAMPLE, "model.onnx")):
    """Dense layers of a PyTorch-layout ONNX MLP (Gemm nodes in order, transB honoured)."""
    import onnx
    from onnx import numpy_helper
    model = onnx.load(path)
    tensors = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    layers = []
    for node in model.graph.node:
        if node.op_type != "Gemm":
            continue
        attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        w = tensors[node.input[1]]
        w = w.T if attributes.get("transB", 0) else w
        w = w * attributes.get("alpha", 1.0)
        b = tensors[node.input[2]] * attributes.get("beta", 1.0)
        layers.append((w, b))
    if not layers:
        raise GroundTruthError(f"{path}: no Gemm layer")
    return TrueModel(layers)


@dataclass(frozen=True)
class PrivateData:
    images: np.ndarray  # the whole test split, 360 × 64
    labels: np.ndarray


def load_private():
    images = np.load(os.path.join(SAMPLE, "inputs.npy")).astype(np.float64)
    labels = np.load(os.path.join(SAMPLE, "labels.npy")).astype(int)
    return PrivateData(images, labels)


def check_prior_is_disjoint(private):
    """The public prior is the training split and the private rows are exactly the test split."""
    from sklearn.datasets import load_digits
    train, test = public_prior.split_indices()
    if set(train) & set(test):
        raise GroundTruthError("public prior and private rows share indices")
    test_images = load_digits().data[test] / 16.0
    if not np.array_equal(test_images.astype(np.float32), private.images.astype(np.float32)):
        raise GroundTruthError("samples/digits/inputs.npy is not the held-out test split")


def job_rows(run_directory):
    """{job id: (start, stop)} of private rows each job carried, written by run.py."""
    with open(os.path.join(run_directory, "truth.json")) as handle:
        return {job: tuple(rows) for job, rows in json.load(handle)["jobs"].items()}


@dataclass(frozen=True)
class Alignment:
    """Received row i is private row row_of[i]; received input column k carries pixel pixel_of_column[k]
    (−1 for the constant column)."""
    row_of: np.ndarray
    pixel_of_column: np.ndarray


def _single_nonzero_column(w):
    singles = np.flatnonzero((w != 0).sum(axis=0) == 1)
    if len(singles) != 1:
        raise GroundTruthError("blinded first layer has no unique homogeneous column")
    column = int(singles[0])
    return int(np.flatnonzero(w[:, column])[0]), column


def _row_signatures(w_tilde, bias_row, constant_column):
    w = np.delete(w_tilde, constant_column, axis=1)
    ratio = w / w[bias_row]
    scale = np.abs(ratio).max(axis=1)
    return np.sort(np.abs(ratio) / scale[:, None], axis=1), scale


def align_blinded(blinded_input, blinded_first_layer, true_model, private_rows):
    """The true alignment of one monomial-blinded job; raises GroundTruthError unless it is exact."""
    true_w = true_model.homogeneous_first_layer()
    features = true_w.shape[0] - 1
    bias_b, const_b = _single_nonzero_column(blinded_first_layer.astype(np.float64))
    sig_b, scale_b = _row_signatures(blinded_first_layer.astype(np.float64), bias_b, const_b)
    sig_t, scale_t = _row_signatures(true_w, features, true_w.shape[1] - 1)
    distance = np.abs(sig_b[:, None, :] - sig_t[None, :, :]).max(axis=2)
    blinded_rows, true_rows = linear_sum_assignment(distance)
    if distance[blinded_rows, true_rows].max() > 1e-3 or true_rows[blinded_rows == bias_b][0] != features:
        raise GroundTruthError("blinded first layer does not match the true model's rows")
    pixel_of_column = np.full(blinded_first_layer.shape[0], -1)
    pixel_of_column[blinded_rows] = true_rows
    pixel_of_column[bias_b] = -1
    # |m_j / m_h| per received column, then the private rows exactly.
    x = blinded_input.astype(np.float64)
    y = np.abs(x / x[:, bias_b:bias_b + 1])
    rebuilt = np.zeros((x.shape[0], features))
    for k in range(x.shape[1]):
        j = pixel_of_column[k]
        if j >= 0:
            rebuilt[:, j] = y[:, k] * scale_b[k] / scale_t[j]
    gap = np.abs(rebuilt[:, None, :] - private_rows[None, :, :]).max(axis=2)
    received, private = linear_sum_assignment(gap)
    if gap[received, private].max() > 1e-3:
        raise GroundTruthError("received rows do not reproduce the private rows")
    row_of = np.empty(x.shape[0], dtype=int)
    row_of[received] = private
    return Alignment(row_of=row_of, pixel_of_column=pixel_of_column)


def align_identity(rows, columns, constant_column=True):
    """For traffic that neither permutes rows nor columns (synthetic noise and broken masking): row i
    is private row i, column k is pixel k, and (with `constant_column`) the last column is the constant one."""
    pixel_of_column = np.arange(columns)
    if constant_column:
        pixel_of_column[-1] = -1
    return Alignment(row_of=np.arange(rows), pixel_of_column=pixel_of_column)


def mask_seeds(directory):
    """{(job id, batch, layer): seed} of the mask pool's jobs in a ground-truth directory (`jobs/*.bin`)."""
    seeds = {}
    for path in sorted(glob.glob(os.path.join(directory, "jobs", "*.bin"))):
        with open(path, "rb") as handle:
            _, manifest, _ = worker_view.decode(handle.read(), path)
        if manifest.get("pool") == "mask":
            seeds[(manifest["job_id"], manifest["batch"], manifest["layer"])] = bytes.fromhex(manifest["mask_seed"])
    return seeds


def align_masked(job, seeds, private_rows):
    """The identity alignment of one masked layer-0 job, proven: X̂ − R (R expanded from the mask pool's
    seed of the same job, batch and layer) equals the producer's X_q of `private_rows` in every entry."""
    m = job.manifest
    key = (m["job_id"], m["batch"], m["layer"])
    if key not in seeds:
        raise GroundTruthError(f"no mask-pool job tapped for job {key[0]} batch {key[1]} layer {key[2]}")
    (x_hat,) = job.residues
    r = masked_math.mask_rows(seeds[key], *x_hat.shape)
    x_q, _ = masked_math.quantize_activations(private_rows, m["activation_bits"])
    if x_q.shape != x_hat.shape or not np.array_equal(masked_math.centred(np.mod(x_hat - r, masked_math.P)), x_q):
        raise GroundTruthError(f"job {key[0]} batch {key[1]}: X̂ − R is not the quantized private rows")
    return Alignment(row_of=np.arange(x_hat.shape[0]), pixel_of_column=np.arange(x_hat.shape[1]))
