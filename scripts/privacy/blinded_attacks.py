"""The attacks of a curious worker on monomial-blinded traffic (docs/PRIVACY-HARNESS.md).

Input: only a `worker_view.WorkerView` (bytes a worker receives) and the public prior (the digits
training split). No key, private row, true label or true weight is ever read here; scoring
(`scoring.py`) compares what these functions return with ground truth it reads on its own.

The math being attacked (docs/PROTOCOL.md §10): the job input is X' = N [X | 1] M_0, the blinded first
layer W'_0 = M_0⁻¹ W̃_0 M_1, with N and M monomial (a permutation times a non-zero diagonal). So
  - the homogeneous unit shows in the model: the only column of W'_0 with a single non-zero entry,
    whose row is the blinded position h of the input's constant column;
  - X'[i, k] / X'[i, h] = X[π(i), j] · m_j / m_h: dividing by column h removes every row's scale and
    sign exactly, leaving each column a constant times pixel intensities, which are k/16;
  - zero patterns survive any scaling, and each column's values are quantized with one unit, so each
    blinded column is matched to the pixel whose public value histogram explains it best;
  - the bias row of W'_0 divides out the column scales of M_1, which turns each row of W'_0 into a
    fingerprint of its pixel that is the same in every job of the same model (the cross-job link).
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment, minimize

LEVELS = 17
INTEGRAL_TOLERANCE = 1e-4  # float32 rounding of X' leaves ~1e-6 relative error on levels ≤ 16


# --- structure -------------------------------------------------------------------------------------

def homogeneous_unit(weights):
    """(row, column) of the constant unit in a blinded homogeneous weight matrix: the only column with
    exactly one non-zero entry. Falls back to (last row, last column) when no single column qualifies,
    which is what an attacker facing other blinding must guess."""
    singles = np.flatnonzero((weights != 0).sum(axis=0) == 1)
    if len(singles) != 1:
        return weights.shape[0] - 1, weights.shape[1] - 1
    column = int(singles[0])
    return int(np.flatnonzero(weights[:, column])[0]), column


def normalized_rows(blinded_input, h):
    """X' with every row divided by its entry in the constant column h (zeros left as they are)."""
    x = blinded_input.astype(np.float64)
    pivot = x[:, h:h + 1].copy()
    pivot[pivot == 0] = 1.0
    return x / pivot


# --- input permutation and column scales ------------------------------------------------------------

def unit_candidates(values):
    """Possible quantization units of one column of |Y|: units u with every non-zero value an integer
    multiple 1…16 of u. When none fits (the data is not quantized), the largest value is taken as
    full intensity. Empty for an all-zero column."""
    nonzero = values[values > 0]
    if nonzero.size == 0:
        return []
    top = nonzero.max()
    candidates = []
    for level in range(1, LEVELS):
        unit = top / level
        q = nonzero / unit
        if np.all(np.abs(q - np.rint(q)) <= INTEGRAL_TOLERANCE * level) and np.rint(q).min() >= 1:
            candidates.append(unit)
    return candidates or [top / (LEVELS - 1)]


def column_costs(magnitudes, histograms):
    """Cost (negative log-likelihood under the public prior) of reading blinded column k as pixel j,
    with the best unit for that pair: returns (cost k × j, unit k × j)."""
    columns, pixels = magnitudes.shape[1], histograms.shape[0]
    log_prior = np.log(histograms)
    cost = np.zeros((columns, pixels))
    units = np.full((columns, pixels), np.nan)
    for k in range(columns):
        candidates = unit_candidates(magnitudes[:, k])
        if not candidates:
            cost[k] = -magnitudes.shape[0] * log_prior[:, 0]
            continue
        best = np.full(pixels, np.inf)
        for unit in candidates:
            levels = np.clip(np.rint(magnitudes[:, k] / unit).astype(int), 0, LEVELS - 1)
            nll = -log_prior[:, levels].sum(axis=1)
            better = nll < best
            best[better] = nll[better]
            units[k, better] = unit
        cost[k] = best
    return cost, units


def correlation(values):
    """Pearson correlations between columns; 0 where a column is constant."""
    centred = values - values.mean(axis=0)
    norm = np.sqrt((centred ** 2).sum(axis=0))
    norm[norm == 0] = np.inf
    unit = centred / norm
    return unit.T @ unit


def matching_objective(assignment, unary, observed, public, weight):
    """Σ unary[k, π(k)] + weight · Σ_{k<m} (observed[k, m] − public[π(k), π(m)])²."""
    n = len(assignment)
    difference = observed - public[np.ix_(assignment, assignment)]
    return unary[np.arange(n), assignment].sum() + weight * (difference[np.triu_indices(n, 1)] ** 2).sum()


def relaxed_matching(unary, observed, public, weight, start, iterations=40):
    """Frank–Wolfe over doubly stochastic matrices (the FAQ method for quadratic assignment, with the
    unary term added), rounded to a permutation."""
    p = start.copy()
    for _ in range(iterations):
        gradient = unary - 4 * weight * observed @ p @ public
        rows, cols = linear_sum_assignment(gradient)
        direction = -p
        direction[rows, cols] += 1
        a = -2 * weight * np.sum((observed @ direction @ public) * direction)
        b = np.sum(unary * direction) - 4 * weight * np.sum((observed @ p @ public) * direction)
        t = min(max(-b / (2 * a), 0.0), 1.0) if a > 0 else (1.0 if a + b < 0 else 0.0)
        if t <= 1e-9:
            break
        p += t * direction
    rows, cols = linear_sum_assignment(-p)
    assignment = np.empty(len(rows), dtype=int)
    assignment[rows] = cols
    return assignment


def swap_polish(assignment, unary, observed, public, weight, sweeps=60):
    """Local search over pair swaps of the assignment (exact change of the objective per swap)."""
    n = len(assignment)
    pi = assignment.copy()
    everything = np.ones((n, n))
    for _ in range(sweeps):
        changed = False
        for k in range(n):
            b = public[np.ix_(pi, pi)]
            mask = everything.copy()
            mask[:, k] = 0
            np.fill_diagonal(mask, 0)
            t1 = (((observed[k][None, :] - b) ** 2) * mask).sum(axis=1)
            t2 = ((((observed[k] - b[k]) ** 2)[None, :]) * mask).sum(axis=1)
            t3 = (((observed - b[k][None, :]) ** 2) * mask).sum(axis=1)
            t4 = (((observed - b) ** 2) * mask).sum(axis=1)
            single = unary[k, pi] + unary[np.arange(n), pi[k]] - unary[k, pi[k]] - unary[np.arange(n), pi]
            delta = single + weight * (t1 - t2 + t3 - t4)
            delta[k] = 0
            best = int(np.argmin(delta))
            if delta[best] < -1e-9:
                pi[k], pi[best] = pi[best], pi[k]
                changed = True
        if not changed:
            break
    return pi


def refine_by_correlation(assignment, unary, observed, public, weight, starts=6, seed=0):
    """The assignment column → pixel minimizing `matching_objective`: relaxed matching from the
    barycentre, from the unary-only assignment and from seeded random doubly stochastic points,
    each polished by pair swaps; the best is kept."""
    n = len(assignment)
    rng = np.random.default_rng(seed)
    hard = np.zeros((n, n))
    hard[np.arange(n), assignment] = 1
    candidates = [np.full((n, n), 1.0 / n), 0.5 * hard + 0.5 / n]
    for _ in range(starts - len(candidates)):
        noise = rng.random((n, n))
        for _ in range(20):  # Sinkhorn: make it doubly stochastic
            noise /= noise.sum(axis=1, keepdims=True)
            noise /= noise.sum(axis=0, keepdims=True)
        candidates.append(0.5 * noise + 0.5 / n)
    best, best_value = assignment, matching_objective(assignment, unary, observed, public, weight)
    for start in candidates:
        found = swap_polish(relaxed_matching(unary, observed, public, weight, start), unary, observed, public,
                            weight)
        value = matching_objective(found, unary, observed, public, weight)
        if value < best_value - 1e-9:
            best, best_value = found, value
    return best


@dataclass
class InputRecovery:
    """The attacker's estimate of M_0 and of the private rows, in the blinded frame of one job."""
    constant_column: int          # h
    columns: list                 # blinded input columns other than h, in X' order
    pixel_of: np.ndarray          # pixel_of[c] = pixel index read from columns[c]
    signed_unit: np.ndarray       # Y[:, columns[c]] = intensity level · signed_unit[c]
    rebuilt: np.ndarray           # rows × pixels in [0, 1], rows in the blinded (received) order
    constant_value: float = 1.0   # what the constant column holds in this frame (±1: the sign of m_h)


def recover_inputs(normalized, h, histograms, public_correlation=None, extra=None):
    """Column permutation and scales: each column's zero count and value histogram against each
    pixel's (Hungarian matching), then the columns' joint structure (their correlations, zero
    patterns included) against the public pixels' (pair swaps).

    `normalized` is X' / X'[:, h]; `extra` optionally holds more rows already mapped into this job's
    frame (other jobs linked by the weight fingerprint), used for the statistics only."""
    columns = [k for k in range(normalized.shape[1]) if k != h]
    signed = normalized[:, columns]
    pooled_signed = signed if extra is None else np.vstack([signed, extra])
    pooled = np.abs(pooled_signed)
    cost, units = column_costs(pooled, histograms)
    rows, pixels = linear_sum_assignment(cost)
    pixel_of = np.empty(len(columns), dtype=int)
    pixel_of[rows] = pixels
    if public_correlation is not None and pooled.shape[0] > 2:
        pixel_of = refine_by_correlation(pixel_of, cost, correlation(pooled), public_correlation,
                                         weight=pooled.shape[0] / 2)
    unit = units[np.arange(len(columns)), pixel_of]
    known = np.isfinite(unit)
    unit[~known] = np.median(unit[known]) if known.any() else 1.0 / (LEVELS - 1)
    sign = np.sign(pooled_signed.sum(axis=0))  # pixels are ≥ 0: a column's sign is its key's
    sign[sign == 0] = 1.0
    rebuilt = np.zeros((normalized.shape[0], histograms.shape[0]))
    levels = np.clip(np.rint(np.abs(signed) / unit), 0, LEVELS - 1)
    rebuilt[:, pixel_of] = levels / (LEVELS - 1)
    return InputRecovery(constant_column=h, columns=columns, pixel_of=pixel_of,
                         signed_unit=unit * sign, rebuilt=rebuilt)


def blind_like_the_job(images, recovery, width):
    """Public images put into the job's blinded input frame with the recovered key: ≈ [X | 1] M_0 / m_h."""
    blinded = np.zeros((images.shape[0], width))
    blinded[:, recovery.constant_column] = recovery.constant_value
    blinded[:, recovery.columns] = images[:, recovery.pixel_of] * (LEVELS - 1) * recovery.signed_unit
    return blinded


# --- cross-job weight fingerprint -------------------------------------------------------------------

def weight_fingerprints(first_layer):
    """Per row of a blinded first layer: (sorted |row| after dividing out column and row scales, the
    row's signed scale). Invariant to the job's keys up to the row's position and scale."""
    bias_row, constant = homogeneous_unit(first_layer)
    w = np.delete(first_layer.astype(np.float64), constant, axis=1)
    bias = w[bias_row].copy()
    bias[bias == 0] = 1.0
    ratio = w / bias
    largest = ratio[np.arange(len(ratio)), np.abs(ratio).argmax(axis=1)]
    largest[largest == 0] = 1.0
    return np.sort(np.abs(ratio / largest[:, None]), axis=1), largest, bias_row


def link_jobs(first_layer_a, first_layer_b):
    """Rows of job B's first layer matched to job A's (bias row to bias row): (b_of[a], signed ratio
    such that Y_A[:, a] = Y_B[:, b_of[a]] · ratio[a], with Y = X' / X'[:, h] of each job)."""
    fa, sa, bias_a = weight_fingerprints(first_layer_a)
    fb, sb, bias_b = weight_fingerprints(first_layer_b)
    distance = np.abs(fa[:, None, :] - fb[None, :, :]).sum(axis=2)
    distance[bias_a, :] = distance[:, bias_b] = 1e9
    distance[bias_a, bias_b] = 0
    rows, cols = linear_sum_assignment(distance)
    b_of = np.empty(len(rows), dtype=int)
    b_of[rows] = cols
    return b_of, sb[b_of] / sa


# --- model replica ----------------------------------------------------------------------------------

def forward(blinded_input, weights, flips, constants):
    """The blinded network on inputs in the job's frame. flips[l] (±1 per column) undoes unknown key
    signs before each hidden ReLU; the constant column of each hidden layer passes unchanged."""
    a = blinded_input
    for index, w in enumerate(weights):
        z = a @ w.astype(np.float64)
        if index == len(weights) - 1:
            return z
        t = flips[index]
        a = t * np.maximum(t * z, 0)
        c = constants[index]
        a[:, c] = z[:, c]
    return a


@dataclass
class Readout:
    """Output column → class, with a sign and magnitude per class (undoes M_L's permutation and scales)."""
    output_columns: np.ndarray  # column of the blinded output carrying class k
    weight: np.ndarray          # signed factor per class

    def logits(self, outputs):
        return outputs[:, self.output_columns] * self.weight

    def predict(self, outputs):
        return self.logits(outputs).argmax(axis=1)


def fit_readout(outputs, labels, constant_column, classes):
    """Class ↔ column by the strongest correlation with the public labels, then per-class factors by
    maximum likelihood of the public labels (softmax)."""
    candidates = np.array([c for c in range(outputs.shape[1]) if c != constant_column])
    o = outputs[:, candidates]
    onehot = np.eye(classes)[labels]
    o_std = (o - o.mean(axis=0)) / (o.std(axis=0) + 1e-12)
    correlation = o_std.T @ (onehot - onehot.mean(axis=0)) / len(labels)
    cols, cls = linear_sum_assignment(-np.abs(correlation))
    column_of = np.empty(classes, dtype=int)
    column_of[cls] = candidates[cols]
    sign = np.sign(correlation[cols, cls])[np.argsort(cls)]
    chosen = outputs[:, column_of]
    start = sign / (chosen.std(axis=0) + 1e-12)

    def loss(w):
        z = chosen * w
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(labels)), labels].mean()

    weight = minimize(loss, start, method="L-BFGS-B").x
    return Readout(output_columns=column_of, weight=weight)


def linear_fit_residual(outputs, labels, classes):
    design = np.hstack([outputs, np.ones((outputs.shape[0], 1))])
    onehot = np.eye(classes)[labels]
    beta, *_ = np.linalg.lstsq(design, onehot, rcond=None)
    return float(((design @ beta - onehot) ** 2).sum())


def search_flips(blinded, weights, constants, labels, classes, fixed):
    """Signs of the hidden keys the worker cannot see (per-layer mode: keys at segment edges carry
    random signs). Greedy coordinate descent on how well the outputs explain the public labels,
    from the better of all-positive and all-negative. `fixed[l]` marks layers known positive."""
    flips = [np.ones(w.shape[1]) for w in weights[:-1]]
    score = lambda f: linear_fit_residual(forward(blinded, weights, f, constants), labels, classes)  # noqa: E731
    for layer, known in enumerate(fixed):
        if known:
            continue
        negative = [f.copy() for f in flips]
        negative[layer] = -negative[layer]
        if score(negative) < score(flips):
            flips = negative
    best = score(flips)
    for _ in range(4):
        improved = False
        for layer, known in enumerate(fixed):
            if known:
                continue
            for unit in range(len(flips[layer])):
                if unit == constants[layer]:
                    continue
                flips[layer][unit] = -flips[layer][unit]
                trial = score(flips)
                if trial < best - 1e-9:
                    best, improved = trial, True
                else:
                    flips[layer][unit] = -flips[layer][unit]
        if not improved:
            break
    return flips


@dataclass
class Replica:
    """A usable copy of the private model: public images in, labels out (needs no key)."""
    recovery: InputRecovery
    weights: list
    flips: list
    constants: list
    readout: Readout
    width: int

    def outputs(self, images):
        return forward(blind_like_the_job(images, self.recovery, self.width), self.weights, self.flips,
                       self.constants)

    def predict(self, images):
        return self.readout.predict(self.outputs(images))


def build_replica(recovery, model, global_sign, prior, positive_hidden, search_rows=600):
    weights = model.weights
    constants = [homogeneous_unit(w)[1] for w in weights]
    width = weights[0].shape[0]
    classes = int(prior.labels.max()) + 1
    subset = slice(0, min(search_rows, len(prior.labels)))
    recovery_signed = InputRecovery(recovery.constant_column, recovery.columns, recovery.pixel_of,
                                    recovery.signed_unit * global_sign, recovery.rebuilt, global_sign)
    blinded = blind_like_the_job(prior.images[subset], recovery_signed, width)
    flips = search_flips(blinded, weights, constants[:-1], prior.labels[subset], classes, positive_hidden)
    replica = Replica(recovery_signed, weights, flips, constants[:-1], None, width)
    public_outputs = replica.outputs(prior.images)
    replica.readout = fit_readout(public_outputs, prior.labels, constants[-1], classes)
    return replica


# --- labels from ReLU patterns ----------------------------------------------------------------------

def relu_patterns(blinded_input, weights, layers_seen):
    """The on/off pattern of hidden units as the worker computes it, each row divided by its constant
    unit (which removes row signs), over the first `layers_seen` hidden layers."""
    patterns = []
    a = blinded_input.astype(np.float64)
    for index in range(layers_seen):
        z = a @ weights[index].astype(np.float64)
        c = homogeneous_unit(weights[index])[1]
        pivot = z[:, c:c + 1].copy()
        pivot[pivot == 0] = 1.0
        zn = z / pivot
        patterns.append(np.delete(zn > 0, c, axis=1))
        a = np.maximum(z, 0)
    return np.hstack(patterns).astype(np.float64)


def labels_from_patterns(private_blinded, public_blinded, weights, layers_seen, prior):
    from sklearn.linear_model import LogisticRegression
    train = relu_patterns(public_blinded, weights, layers_seen)
    test = relu_patterns(private_blinded, weights, layers_seen)
    classifier = LogisticRegression(max_iter=2000, random_state=0).fit(train, prior.labels)
    return classifier.predict(test)


# --- the whole attack on one job ---------------------------------------------------------------------

@dataclass
class JobAttack:
    """Everything a curious worker rebuilt from one job (rows in the order received)."""
    job_id: str
    recovery: InputRecovery
    replica: Replica
    pattern_labels: np.ndarray
    replica_labels: np.ndarray  # labels of the private rows from the worker's own outputs
    relu_layers_seen: int
    linked_to: dict = field(default_factory=dict)  # other job id -> b_of (this job's row a ↔ other's b)

    @property
    def rebuilt(self):
        """Rebuilt private rows (pixel order, values in [0, 1]), in the order received."""
        return self.recovery.rebuilt

    def pixel_guess(self, columns):
        """Pixel read from each of the job's `columns` received input columns (−1: none)."""
        guess = np.full(columns, -1)
        guess[self.recovery.columns] = self.recovery.pixel_of
        return guess


def attack_job(view, job, prior, extra_rows=None):
    """All single-job attacks; `extra_rows` = rows of linked jobs already mapped into this frame."""
    model = view.model_of(job)
    if model is None:
        raise ValueError(f"job {job.manifest.get('job_id')}: its model is not in the capture")
    x = job.tensors[0]
    h, _ = homogeneous_unit(model.weights[job.manifest.get("first_layer", 0)])
    normalized = normalized_rows(x, h)
    recovery = recover_inputs(normalized, h, prior.histograms, prior.correlation, extra_rows)
    inner = job.manifest.get("layer_count", 1)
    # Keys inside a segment are positive (docs/PROTOCOL.md §10): the batch key too when it spans
    # more than one layer, so the constant column's sign there is the sign of m_h.
    pivot_signs = np.sign(x[:, h])
    global_sign = float(pivot_signs[0]) if inner > 1 and np.all(pivot_signs == pivot_signs[0]) else 1.0
    hidden = len(model.weights) - 1
    positive_hidden = [layer + 1 < inner for layer in range(hidden)]
    replica = build_replica(recovery, model, global_sign, prior, positive_hidden)
    layers_seen = min(inner, hidden) if inner > 1 else 1
    public_blinded = blind_like_the_job(prior.images, replica.recovery, x.shape[1])
    pattern_labels = labels_from_patterns(x, public_blinded, model.weights, layers_seen, prior)
    # X' / X'[:, h] is the replica's own input frame (batch scales and signs divided out).
    own = forward(normalized * global_sign, model.weights, replica.flips, replica.constants)
    return JobAttack(job_id=job.manifest.get("job_id"), recovery=recovery, replica=replica,
                     pattern_labels=pattern_labels, replica_labels=replica.readout.predict(own),
                     relu_layers_seen=layers_seen)


def first_jobs(view):
    """Segment-0 jobs (the ones carrying private inputs), in capture order."""
    return [job for job in view.jobs if job.manifest.get("segment", 0) == 0 and view.model_of(job)]


def attack_capture(view, prior, link=False):
    """Every segment-0 job attacked; with `link`, jobs under the same model layers are linked by the
    weight fingerprint and each job's statistics pooled with the others' rows."""
    jobs = first_jobs(view)
    if not link or len(jobs) < 2:
        return [attack_job(view, job, prior) for job in jobs]
    results = []
    for job in jobs:
        model = view.model_of(job)
        h, _ = homogeneous_unit(model.weights[0])
        own_columns = [k for k in range(job.tensors[0].shape[1]) if k != h]
        extra, links = [], {}
        for other in jobs:
            if other is job:
                continue
            b_of, ratio = link_jobs(model.weights[0], view.model_of(other).weights[0])
            h_other, _ = homogeneous_unit(view.model_of(other).weights[0])
            y_other = normalized_rows(other.tensors[0], h_other)
            mapped = y_other[:, b_of] * ratio
            extra.append(mapped[:, own_columns])
            links[other.manifest.get("job_id")] = b_of
        attack = attack_job(view, job, prior, np.vstack(extra))
        attack.linked_to = links
        results.append(attack)
    return results
