"""What "at chance" means for a rebuilt batch, and the bands a score must stay in to be at chance.

The null hypothesis is that the attack's output is independent of the private rows, which is what a
one-time pad gives: X̂ = (X_q + R) mod p with R uniform in Z_p is uniform whatever X_q is. The attacks
treat rows alike (permuting the received rows permutes their output), so under the null every pairing
of rebuilt rows with true rows is equally likely, and each score's chance distribution is the
distribution of the score under a random pairing. The bands are two-sided, at a family-wise level
(default 99.9 % over all the checks of a run, split evenly: Bonferroni).

- Classifier accuracy on rebuilt rows (and labels from patterns or outputs): with predictions
  independent of the labels, the number right is a sum of independent Bernoulli(q_label) with mean
  between n·π_min and n·π_max (π = the batch's label frequencies, 10 % each for stratified digits);
  such a sum is less spread than a binomial of the same mean (Hoeffding 1956), so the band is the
  binomial quantiles at π_min (lower) and π_max (upper).
- Pearson within pixels (each pixel centred on its batch mean, pooled): under a random pairing its
  mean is 0 and its variance exactly ⟨AᵀA, BᵀB⟩ / ((n − 1)·‖A‖²·‖B‖²) for the centred rebuilt A and
  true B (Hoeffding's combinatorial central limit theorem), ≈ 1/(n·64) for independent entries: the
  bound is z·σ, z the normal quantile of the band.
- Pixel values exact: under a random pairing the number of exact values has mean Σ_j Σ_k c_jk·t_jk / n
  (c, t: how often the rebuilt and the true pixel j take level k) and the combinatorial variance
  Σ_uv d_uv² / (n − 1), d the double-centred matrix of matches between rebuilt row u and true row v.
  For X̂ read as X_q this mean is the uniform-mod-p chance level: about half of X̂ centres below 0
  (read as black) and half above the top level (read as full ink).
"""

import numpy as np
from scipy.stats import binom, norm

LEVELS = 17


def per_check_alpha(checks, family_alpha=0.001):
    return family_alpha / max(checks, 1)


def label_band(labels, alpha):
    """(low, high) accuracy band for predictions independent of `labels`."""
    n = len(labels)
    frequencies = np.bincount(labels, minlength=10) / n
    present = frequencies[frequencies > 0]
    low = binom.ppf(alpha / 2, n, present.min()) / n
    high = binom.isf(alpha / 2, n, present.max()) / n
    return float(low), float(high)


def within_pixel_pearson(rebuilt, truth):
    """Correlation of rebuilt and true values after centring each pixel on its own batch mean (what the
    capture tells beyond each pixel's average, which the public prior already gives); 0 when either
    side is constant in every pixel."""
    a = rebuilt - rebuilt.mean(axis=0)
    b = truth - truth.mean(axis=0)
    norm_ab = np.sqrt((a ** 2).sum() * (b ** 2).sum())
    return float((a * b).sum() / norm_ab) if norm_ab > 0 else 0.0


def pearson_bound(rebuilt, truth, alpha):
    """z·σ of `within_pixel_pearson` under a random pairing of rows."""
    a = rebuilt - rebuilt.mean(axis=0)
    b = truth - truth.mean(axis=0)
    n = a.shape[0]
    denominator = (n - 1) * (a ** 2).sum() * (b ** 2).sum()
    if denominator == 0:
        return 0.0
    sigma = np.sqrt(((a.T @ a) * (b.T @ b)).sum() / denominator)
    return float(norm.isf(alpha / 2) * sigma)


def levels(values):
    return np.clip(np.rint(values * (LEVELS - 1)), 0, LEVELS - 1).astype(int)


def exact_band(rebuilt, truth, alpha):
    """(chance mean, low, high) of the fraction of exact pixel values under a random pairing of rows."""
    ra, ta = levels(rebuilt), levels(truth)
    n, pixels = ta.shape
    matches = np.zeros((n, n))
    eye = np.eye(LEVELS)
    for j in range(pixels):
        matches += eye[ra[:, j]] @ eye[ta[:, j]].T  # rebuilt row u, true row v: equal in pixel j
    d = matches - matches.mean(axis=1, keepdims=True) - matches.mean(axis=0, keepdims=True) + matches.mean()
    mean = matches.sum() / n
    sigma = np.sqrt((d ** 2).sum() / (n - 1)) if n > 1 else 0.0
    z = norm.isf(alpha / 2)
    total = n * pixels
    return float(mean / total), float((mean - z * sigma) / total), float((mean + z * sigma) / total)


def uniform_direct_chance(truth, activation_bits):
    """Expected exact fraction of `masked_attacks.direct_rescale` on a uniform X̂, from the uniform law
    mod p alone: P(read level k) for each level, against the true levels' frequencies."""
    p, top = (1 << 31) - 1, (1 << (activation_bits - 1)) - 1
    # centred values c in (−p/2, p/2], each with probability 1/p; level k ⇔ k − ½ ≤ 16·c/top < k + ½.
    edges = np.array([-np.inf] + [(k + 0.5) * top / (LEVELS - 1) for k in range(LEVELS - 1)] + [np.inf])
    lo, hi = -(p // 2), p // 2
    counts = np.array([max(0, min(hi, np.ceil(edges[k + 1]) - 1) - max(lo, np.ceil(edges[k])) + 1)
                       for k in range(LEVELS)], dtype=float)
    q = counts / p
    frequencies = np.bincount(levels(truth).ravel(), minlength=LEVELS) / truth.size
    return float((q * frequencies).sum())


def checks(scores, rebuilt, truth, labels, alpha):
    """Every chance check of one input attack: {name: (value, low, high, passed)}."""
    exact_mean, exact_low, exact_high = exact_band(rebuilt, truth, alpha)
    bound = pearson_bound(rebuilt, truth, alpha)
    low, high = label_band(labels, alpha)
    out = {
        "values_exact": (scores["values_exact"], exact_low, exact_high),
        "pearson_within_pixels": (scores["pearson_within_pixels"], -bound, bound),
        "classifier_on_rebuilt": (scores["classifier_on_rebuilt"], low, high),
    }
    result = {name: {"value": v, "low": lo, "high": hi, "passed": bool(lo <= v <= hi)} for name, (v, lo, hi) in out.items()}
    result["values_exact"]["chance"] = exact_mean
    return result


def label_checks(guesses, labels, alpha):
    low, high = label_band(labels, alpha)
    value = float(np.mean(np.asarray(guesses) == labels))
    return {"value": value, "low": low, "high": high, "passed": bool(low <= value <= high)}
