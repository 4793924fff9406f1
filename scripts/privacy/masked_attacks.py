"""The attacks of a curious data-pool worker on masked-mode traffic (docs/PRIVACY-HARNESS.md).

Input: only a `worker_view.WorkerView` of what `securenets.jobs.data` and the models stream deliver
(X̂ = (X_q + R) mod p per batch and layer, the manifests, the quantized weights W_q) and the public
prior (the digits training split). No seed, private row, true label or true weight is read here.

With R uniform in Z_p and never seen by this pool, X̂ is independent of the data, so every input
attack below should score what a guess independent of the data scores (`chance.py` says how much
that is). They are the known attacks, adapted: each would succeed against a masking that failed —
the selftest shows them rebuilding the inputs from X̂ = X_q (R = 0) and catching a short R.
The weights are another matter: W_q is the model up to one positive scale per output unit, and the
replica below rebuilds a working copy from it with public data.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

import blinded_attacks
import masked_math

LEVELS = 17


# --- input attacks on layer 0: each returns rebuilt rows (pixel order, values in [0, 1]) --------------

def direct_rescale(x_hat, activation_bits, prior):
    """X̂ read as if it were X_q: centred mod p and divided by the largest activation level 2^(a−1) − 1
    (layer-0 inputs are pixels ≥ 0, and the batch's brightest pixel is the top level)."""
    return np.clip(masked_math.centred(x_hat) / masked_math.limit(activation_bits), 0.0, 1.0)


def histogram_quantiles(x_hat, activation_bits, prior):
    """Each pixel's values matched to its public value histogram: column j's entries, ranked, take the
    public pixel j's values at the same quantiles (order preserved: a larger X̂ reads as a brighter pixel)."""
    rows = x_hat.shape[0]
    rebuilt = np.empty(x_hat.shape)
    quantiles = (np.arange(rows) + 0.5) / rows
    for j in range(x_hat.shape[1]):
        ranks = np.argsort(np.argsort(masked_math.centred(x_hat[:, j]), kind="stable"), kind="stable")
        rebuilt[:, j] = np.quantile(prior.images[:, j], quantiles, method="inverted_cdf")[ranks]
    return rebuilt


def row_statistics(x_hat, activation_bits, prior):
    """Row statistics: rows ranked by their mean X̂ (a brighter image has a larger X_q sum) take the
    public images at the same quantile of total ink, and each column's X̂ mean against the others'
    scales the pixel (a column of larger X̂ reads as a more often lit pixel)."""
    c = masked_math.centred(x_hat).astype(np.float64)
    rows = c.shape[0]
    ink_order = np.argsort(prior.images.sum(axis=1), kind="stable")
    positions = ((np.argsort(np.argsort(c.mean(axis=1), kind="stable")) + 0.5) / rows * len(ink_order)).astype(int)
    images = prior.images[ink_order[np.minimum(positions, len(ink_order) - 1)]]
    column_mean = c.mean(axis=0)
    spread = column_mean.std()
    weight = 1.0 + (column_mean - column_mean.mean()) / (spread if spread > 0 else 1.0) / 4
    return np.clip(images * weight, 0.0, 1.0)


def blinded_layer0(x_hat, activation_bits, prior):
    """The blinded-mode layer-0 attack unchanged (blinded_attacks.recover_inputs): the centred X̂ taken
    as already normalized rows with a constant column appended, then quantization units, per-pixel
    histograms (Hungarian matching) and the pixels' correlation structure (quadratic assignment)."""
    y = np.hstack([masked_math.centred(x_hat).astype(np.float64), np.ones((x_hat.shape[0], 1))])
    return blinded_attacks.recover_inputs(y, y.shape[1] - 1, prior.histograms, prior.correlation).rebuilt


INPUT_ATTACKS = {
    "X̂ read as X_q, rescaled": direct_rescale,
    "per-pixel histograms vs the prior": histogram_quantiles,
    "row and column statistics": row_statistics,
    "blinded layer-0 attack": blinded_layer0,
}


# --- the model: a replica from W_q ---------------------------------------------------------------------

@dataclass
class QuantizedReplica:
    """W_q with one positive scale and one bias per unit fitted on the public split (the producer keeps
    both; the pools have W_q). ReLU between layers, as the model's manifest-free structure suggests:
    the pools do not see the activations, the attacker assumes the common one."""
    weights: list
    log_scales: list = field(default_factory=list)
    biases: list = field(default_factory=list)
    pattern_classifiers: dict = field(default_factory=dict)  # hidden width -> classifier of public patterns

    def _forward(self, images):
        a, cache = images.astype(np.float64), []
        for index, w in enumerate(self.weights):
            u = a @ w
            z = u * np.exp(self.log_scales[index]) + self.biases[index]
            cache.append((a, u, z))
            a = np.maximum(z, 0) if index < len(self.weights) - 1 else z
        return a, cache

    def logits(self, images):
        return self._forward(images)[0]

    def predict(self, images):
        return self.logits(images).argmax(axis=1)

    def hidden_patterns(self, images):
        """On/off pattern of every hidden unit."""
        _, cache = self._forward(images)
        return np.hstack([z > 0 for _, _, z in cache[:-1]]).astype(np.float64)

    def _unpack(self, theta):
        sizes = [w.shape[1] for w in self.weights]
        parts = np.split(theta, np.cumsum([2 * s for s in sizes])[:-1])
        self.log_scales = [p[:s] for p, s in zip(parts, sizes)]
        self.biases = [p[s:] for p, s in zip(parts, sizes)]

    def _loss(self, theta, images, labels):
        """Mean cross-entropy on the public labels and its gradient in (log scales, biases)."""
        self._unpack(theta)
        logits, cache = self._forward(images)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = len(labels)
        loss = -log_p[np.arange(n), labels].mean()
        grad_z = np.exp(log_p)
        grad_z[np.arange(n), labels] -= 1
        grad_z /= n
        grads = []
        for index in range(len(self.weights) - 1, -1, -1):
            a, u, z = cache[index]
            if index < len(self.weights) - 1:
                grad_z = grad_z * (z > 0)
            scale = np.exp(self.log_scales[index])
            grads.append(np.concatenate([(grad_z * u).sum(axis=0) * scale, grad_z.sum(axis=0)]))
            grad_z = (grad_z * scale) @ self.weights[index].T
        return loss, np.concatenate(grads[::-1])

    def fit(self, images, labels):
        # Start where the scales make every layer's pre-activations of order one on public images.
        theta, a = [], images.astype(np.float64)
        for index, w in enumerate(self.weights):
            u = a @ w
            typical = np.abs(u).mean() or 1.0
            theta += [np.full(w.shape[1], -np.log(typical)), np.zeros(w.shape[1])]
            a = np.maximum(u / typical, 0)
        result = minimize(self._loss, np.concatenate(theta), args=(images, labels), jac=True, method="L-BFGS-B",
                          options={"maxiter": 500})
        self._unpack(result.x)
        return self


def build_replica(model, prior):
    return QuantizedReplica([w.astype(np.float64) for w in model.weights]).fit(prior.images, prior.labels)


# --- labels from the later layers' traffic -------------------------------------------------------------

def pattern_labels(hidden_inputs, replica, prior):
    """Hidden layers' X̂ read as X_q: a unit is taken as on where the centred value is positive; a
    classifier trained on the public images' patterns through the replica names the label."""
    from sklearn.linear_model import LogisticRegression
    guessed = np.hstack([(masked_math.centred(x) > 0) for x in hidden_inputs]).astype(np.float64)
    width = guessed.shape[1]
    if width not in replica.pattern_classifiers:  # public data only: one fit per replica and width
        train = replica.hidden_patterns(prior.images)[:, :width]
        replica.pattern_classifiers[width] = LogisticRegression(max_iter=2000, random_state=0).fit(train, prior.labels)
    return replica.pattern_classifiers[width].predict(guessed)


def own_output_labels(last_input, last_weights):
    """The data pool's own last product Z_A = X̂ · W_q mod p, centred, read as logits."""
    return masked_math.centred(masked_math.product(last_input, last_weights)).argmax(axis=1)


# --- the whole attack on one job -----------------------------------------------------------------------

@dataclass
class MaskedJobAttack:
    """Everything a curious data-pool worker rebuilt from one batch (rows in the order received)."""
    job_id: str
    inputs: dict                # attack name -> rebuilt rows
    pattern_labels: np.ndarray
    replica_labels: np.ndarray  # from the pool's own last-layer product
    relu_layers_seen: int
    replica: QuantizedReplica
    positions_hidden = False    # masked mode does not permute columns: the model's input layout is public


def first_jobs(view):
    """Layer-0 data-pool jobs (the ones carrying private inputs), first attempt of each batch."""
    seen, jobs = set(), []
    for job in view.jobs:
        m = job.manifest
        key = (m.get("job_id"), m.get("batch"))
        if job.masked and m.get("pool") == "data" and m.get("layer") == 0 and key not in seen and view.model_of(job):
            seen.add(key)
            jobs.append(job)
    return jobs


def later_inputs(view, job):
    """X̂ of layers 1, 2, … of the same batch (first attempt of each), in layer order."""
    m, found = job.manifest, {}
    for other in view.jobs:
        o = other.manifest
        if other.masked and o.get("job_id") == m["job_id"] and o.get("batch") == m["batch"] and o.get("layer", 0) > 0:
            found.setdefault(o["layer"], other.residues[0])
    return [found[layer] for layer in sorted(found)]


def attack_job(view, job, prior, replicas):
    model = view.model_of(job)
    if model.digest not in replicas:
        replicas[model.digest] = build_replica(model, prior)
    replica = replicas[model.digest]
    (x_hat,) = job.residues
    bits = job.manifest["activation_bits"]
    inputs = {name: attack(x_hat, bits, prior) for name, attack in INPUT_ATTACKS.items()}
    hidden = later_inputs(view, job)
    layers = len(model.weights)
    if hidden:
        patterns = pattern_labels(hidden[:layers - 1], replica, prior)
    else:
        patterns = np.full(x_hat.shape[0], np.bincount(prior.labels).argmax())
    last = hidden[-1] if len(hidden) == layers - 1 else x_hat if layers == 1 else None
    own = own_output_labels(last, model.weights[-1]) if last is not None else patterns
    return MaskedJobAttack(job_id=job.manifest["job_id"], inputs=inputs, pattern_labels=patterns, replica_labels=own,
                           relu_layers_seen=min(len(hidden), layers - 1), replica=replica)


# Replicas by model digest: they depend on W_q and the public prior only, so captures of the same
# model (the selftest's several) share one fit.
_REPLICAS = {}


def attack_capture(view, prior, link=False):
    """Every batch's layer-0 job attacked. `link` is accepted for the interface and changes nothing:
    jobs of one model share W_q (the same digest), and each X̂ is padded on its own, so pooling the
    rows of linked jobs adds no information about any of them."""
    replicas = _REPLICAS
    return [attack_job(view, job, prior, replicas) for job in first_jobs(view)]
