"""Scores an attack against ground truth (the attack code never sees any of it).

Each number is defined in docs/PRIVACY-HARNESS.md. Rows are compared through the ground-truth
alignment (received row i is private row row_of[i]); the batch's row order itself is not counted as
protection, since rows are whole images whatever their order.
"""

import numpy as np

import chance

LEVELS = 17


def rebuild_scores(rebuilt, alignment, pixel_guess, private, classifier):
    """Positions, values, correlation and classifier accuracy for one job's rebuilt rows.

    `pixel_guess[k]` is the pixel the attack read from received column k (−1: none); None where the
    mode does not hide positions (masked mode: columns arrive in the model's public input order)."""
    truth = private.images[alignment.row_of]
    labels = private.labels[alignment.row_of]
    positions = positions_informative = None
    if pixel_guess is not None:
        mapped = alignment.pixel_of_column >= 0
        positions = float(np.mean(pixel_guess[mapped] == alignment.pixel_of_column[mapped]))
        # Columns that are zero in every received row carry nothing a batch could reveal.
        informative = mapped.copy()
        informative[mapped] = truth[:, alignment.pixel_of_column[mapped]].any(axis=0)
        positions_informative = (float(np.mean(pixel_guess[informative] == alignment.pixel_of_column[informative]))
                                 if informative.any() else None)
    exact = float(np.mean(np.rint(rebuilt * (LEVELS - 1)) == np.rint(truth * (LEVELS - 1))))
    flat_r, flat_t = rebuilt.ravel(), truth.ravel()
    pearson = float(np.corrcoef(flat_r, flat_t)[0, 1]) if flat_r.std() > 0 else 0.0
    return {
        "rows": int(len(labels)),
        "positions": positions,
        "positions_informative": positions_informative,
        "values_exact": exact,
        "pearson": pearson,
        "pearson_within_pixels": chance.within_pixel_pearson(rebuilt, truth),
        "classifier_on_rebuilt": float(np.mean(classifier.predict(rebuilt) == labels)),
        "classifier_on_true": float(np.mean(classifier.predict(truth) == labels)),
    }


def label_score(guesses, alignment, private):
    return float(np.mean(np.asarray(guesses) == private.labels[alignment.row_of]))


def replica_scores(replica_predict, private, true_model):
    """Replica accuracy on the held-out split and agreement with the true model there."""
    predicted = replica_predict(private.images)
    return {
        "replica_accuracy": float(np.mean(predicted == private.labels)),
        "replica_agreement": float(np.mean(predicted == true_model.predict(private.images))),
    }


def link_score(b_of, alignment_a, alignment_b):
    """Fraction of job A's input columns linked to the job-B column carrying the same pixel."""
    pixels_a = alignment_a.pixel_of_column
    mapped = pixels_a >= 0
    return float(np.mean(alignment_b.pixel_of_column[b_of[mapped]] == pixels_a[mapped]))


def score_job(attack, alignment, private, true_model, classifier):
    """Every per-job number for an attack of any mode: `attack` has `rebuilt`, `pixel_guess(columns)`,
    `pattern_labels`, `replica_labels`, `relu_layers_seen` and `replica.predict` (as
    `blinded_attacks.JobAttack`)."""
    scores = rebuild_scores(attack.rebuilt, alignment, attack.pixel_guess(len(alignment.pixel_of_column)),
                            private, classifier)
    scores["labels_from_relu"] = label_score(attack.pattern_labels, alignment, private)
    scores["labels_from_own_output"] = label_score(attack.replica_labels, alignment, private)
    scores["relu_layers_seen"] = attack.relu_layers_seen
    scores.update(replica_scores(attack.replica.predict, private, true_model))
    return scores


def prior_only_scores(prior, rows, private, true_model, classifier):
    """The baseline: what the public prior alone gives, without any capture — every row guessed as
    the per-pixel most likely intensity; the replica is the public-prior classifier itself."""
    guess_image = prior.histograms.argmax(axis=1) / (LEVELS - 1)
    rebuilt = np.tile(guess_image, (len(rows), 1))

    class Rows:
        row_of = np.asarray(rows)
        pixel_of_column = np.append(np.arange(prior.features), -1)

    scores = rebuild_scores(rebuilt, Rows, np.full(prior.features + 1, -2), private, classifier)
    scores["positions"] = scores["positions_informative"] = None
    scores["labels_from_relu"] = float(np.mean(private.labels[rows] == np.bincount(prior.labels).argmax()))
    scores.update(replica_scores(classifier.predict, private, true_model))
    return scores


def score_masked_job(attack, alignment, private, true_model, classifier, alpha):
    """Per input attack of `masked_attacks.MaskedJobAttack`: the rebuild scores and their chance checks
    (`chance.checks` at per-check level `alpha`); per job: labels from patterns and from the pool's own
    output (with their chance bands) and the replica's scores."""
    truth = private.images[alignment.row_of]
    labels = private.labels[alignment.row_of]
    inputs = {}
    for name, rebuilt in attack.inputs.items():
        scores = rebuild_scores(rebuilt, alignment, None, private, classifier)
        scores["chance"] = chance.checks(scores, rebuilt, truth, labels, alpha)
        inputs[name] = scores
    job = {"rows": int(len(labels)), "inputs": inputs, "relu_layers_seen": attack.relu_layers_seen,
           "labels_from_relu": label_score(attack.pattern_labels, alignment, private),
           "labels_from_own_output": label_score(attack.replica_labels, alignment, private),
           "chance_labels": {"labels_from_relu": chance.label_checks(attack.pattern_labels, labels, alpha),
                             "labels_from_own_output": chance.label_checks(attack.replica_labels, labels, alpha)}}
    job.update(replica_scores(attack.replica.predict, private, true_model))
    job["weights_cosine_min"] = weights_cosine_min(attack.replica.weights, true_model)
    return job


def weights_cosine_min(received, true_model):
    """The smallest cosine similarity, over every unit of every layer, between the weights a pool
    received (W_q) and the true weights: 1 means the pool holds the weights up to one scale per unit."""
    cosines = []
    for w_q, (w, _) in zip(received, true_model.weights):
        cosines.append((w_q * w).sum(axis=0) / (np.linalg.norm(w_q, axis=0) * np.linalg.norm(w, axis=0)))
    return float(np.concatenate(cosines).min())


def masked_checks_per_job():
    """Chance checks of one masked job: three per input attack, and two label checks."""
    import masked_attacks
    return 3 * len(masked_attacks.INPUT_ATTACKS) + 2


def best_of(job):
    """The headline row of a masked job: each column the best any input attack reached."""
    inputs = job["inputs"].values()
    best = {key: max(s[key] for s in inputs) for key in ("values_exact", "classifier_on_rebuilt")}
    best["pearson"] = max((s["pearson"] for s in inputs), key=abs)
    best["pearson_within_pixels"] = max((s["pearson_within_pixels"] for s in inputs), key=abs)
    best["classifier_on_true"] = next(iter(inputs))["classifier_on_true"]
    best["positions"] = None
    for key in ("labels_from_relu", "labels_from_own_output", "replica_accuracy", "replica_agreement",
                "weights_cosine_min", "rows"):
        best[key] = job[key]
    return best
