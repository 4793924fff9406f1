"""The attacker's only outside knowledge: the public sklearn digits TRAINING split.

The private rows a job carries are the held-out test split (samples/digits/inputs.npy, made by
scripts/fixtures/make_fixtures.py with the same seed): this module never returns a test row, and
`ground_truth.check_prior_is_disjoint` asserts so from the indices.
"""

from dataclasses import dataclass

import numpy as np

# The split of scripts/fixtures/make_fixtures.py (digits_split): public = train, private = test.
SPLIT_SEED = 20180301
TEST_SIZE = 0.2
LEVELS = 17  # pixel intensities are k/16, k = 0…16


def split_indices():
    """(train indices, test indices) of sklearn's digits under the fixtures' split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    indices = np.arange(len(digits.target))
    train, test = train_test_split(indices, test_size=TEST_SIZE, random_state=SPLIT_SEED,
                                   stratify=digits.target)
    return train, test


@dataclass(frozen=True)
class PublicPrior:
    """Public images (rows × 64, values k/16), their labels and per-pixel value histograms."""
    images: np.ndarray
    labels: np.ndarray
    histograms: np.ndarray  # 64 × 17: P(pixel j has intensity k), Laplace-smoothed
    correlation: np.ndarray  # 64 × 64 Pearson correlations between pixels (0 for constant pixels)

    @property
    def features(self):
        return self.images.shape[1]


def load():
    """The public prior: the digits training split only."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    train, _ = split_indices()
    images = (digits.data[train] / 16.0).astype(np.float64)
    levels = np.rint(images * 16).astype(int)
    counts = np.stack([np.bincount(levels[:, j], minlength=LEVELS) for j in range(images.shape[1])])
    histograms = (counts + 0.5) / (counts.sum(axis=1, keepdims=True) + 0.5 * LEVELS)
    centred = images - images.mean(axis=0)
    norm = np.sqrt((centred ** 2).sum(axis=0))
    norm[norm == 0] = np.inf
    correlation = (centred / norm).T @ (centred / norm)
    return PublicPrior(images=images, labels=digits.target[train].astype(int), histograms=histograms,
                       correlation=correlation)


def classifier(prior):
    """A public-prior classifier (logistic regression on the public split), deterministic."""
    from sklearn.linear_model import LogisticRegression
    model = LogisticRegression(max_iter=2000, random_state=0)
    model.fit(prior.images, prior.labels)
    return model
