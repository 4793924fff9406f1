#!/usr/bin/env python3
"""Keeps the leakage harness honest without services (about 25 s on two cores).

Synthetic captures written from docs/PROTOCOL.md's and docs/MASKED.md's math (`synthetic_capture.py`)
with the real bundled model and the real private rows. Blinded mode: the attacks must rebuild the
known inputs, link two jobs and copy the model; on pure noise of the same shapes they must do no
better than the public prior alone. Masked mode (R from the real PRG): every attack must stay inside
its chance band (`chance.py`) while the replica from W_q copies the model; with R = 0 or a short R the
same checks must fire. Exit status 0 and `N passed, 0 failed` when every check holds.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dependencies  # noqa: E402

dependencies.ensure(("numpy", "scipy", "sklearn", "onnx", "cryptography"))

import numpy as np  # noqa: E402

import blinded_attacks  # noqa: E402
import chance  # noqa: E402
import ground_truth  # noqa: E402
import masked_attacks  # noqa: E402
import public_prior  # noqa: E402
import scoring  # noqa: E402
import synthetic_capture  # noqa: E402
import worker_view  # noqa: E402

results = []


def check(name, condition, detail):
    results.append(bool(condition))
    print(f"{'ok  ' if condition else 'FAIL'} {name}: {detail}")


def capture(mode, sizes, seed, noise=False):
    directory = tempfile.mkdtemp(prefix="privacy-selftest-")
    rng = np.random.default_rng(seed)
    start = 0
    for index, size in enumerate(sizes):
        rows = PRIVATE.images[start:start + size]
        synthetic_capture.write_job(directory, index, MODEL.weights, rows, mode, rng, f"job-{index}", noise)
        start += size
    return worker_view.load(directory)


def blinded_case(mode, rows):
    view = capture(mode, [rows], seed=7)
    (job,) = blinded_attacks.first_jobs(view)
    attack = blinded_attacks.attack_capture(view, PRIOR)[0]
    alignment = ground_truth.align_blinded(job.tensors[0], view.model_of(job).weights[0], MODEL,
                                           PRIVATE.images[:rows])
    s = scoring.score_job(attack, alignment, PRIVATE, MODEL, CLASSIFIER)
    print(f"     {mode} {rows} rows: {s}")
    check(f"{mode} {rows}: column positions", s["positions"] >= 0.8, f"{s['positions']:.3f}")
    check(f"{mode} {rows}: positions of columns not all zero", s["positions_informative"] >= 0.97,
          f"{s['positions_informative']:.3f}")
    check(f"{mode} {rows}: pixel values exact", s["values_exact"] >= 0.99, f"{s['values_exact']:.4f}")
    check(f"{mode} {rows}: Pearson", s["pearson"] >= 0.99, f"{s['pearson']:.5f}")
    check(f"{mode} {rows}: replica agreement", s["replica_agreement"] >= 0.9, f"{s['replica_agreement']:.3f}")
    check(f"{mode} {rows}: labels from ReLU patterns", s["labels_from_relu"] >= 0.8, f"{s['labels_from_relu']:.3f}")


def cross_job_case():
    view = capture("chained", [5, 100], seed=11)
    jobs = blinded_attacks.first_jobs(view)
    attacks = blinded_attacks.attack_capture(view, PRIOR, link=True)
    a = ground_truth.align_blinded(jobs[0].tensors[0], view.model_of(jobs[0]).weights[0], MODEL, PRIVATE.images[:5])
    b = ground_truth.align_blinded(jobs[1].tensors[0], view.model_of(jobs[1]).weights[0], MODEL,
                                   PRIVATE.images[5:105])
    link = scoring.link_score(attacks[0].linked_to["job-1"], a, b)
    s = scoring.score_job(attacks[0], a, PRIVATE, MODEL, CLASSIFIER)
    check("cross-job: fingerprint links every input column", link == 1.0, f"{link:.3f}")
    check("cross-job: 5-row job rebuilt exactly", s["values_exact"] >= 0.99, f"{s['values_exact']:.4f}")
    check("cross-job: 5-row job's labels from ReLU patterns", s["labels_from_relu"] >= 0.6,
          f"{s['labels_from_relu']:.2f}")
    check("cross-job: replica from the 5-row job agrees", s["replica_agreement"] >= 0.9,
          f"{s['replica_agreement']:.3f}")


def noise_case():
    rows = 100
    view = capture("chained", [rows], seed=13, noise=True)
    attack = blinded_attacks.attack_capture(view, PRIOR)[0]
    alignment = ground_truth.align_identity(rows, PRIOR.features + 1)
    s = scoring.score_job(attack, alignment, PRIVATE, MODEL, CLASSIFIER)
    base = scoring.prior_only_scores(PRIOR, np.arange(rows), PRIVATE, MODEL, CLASSIFIER)
    print(f"     noise: {s}\n     prior only: {base}")
    check("noise: positions at chance", s["positions"] <= 0.1, f"{s['positions']:.3f} (chance 1/64)")
    check("noise: values no better than the prior alone", s["values_exact"] <= base["values_exact"] + 0.02,
          f"{s['values_exact']:.3f} vs prior {base['values_exact']:.3f}")
    check("noise: correlation no better than the prior alone", s["pearson"] <= base["pearson"] + 0.05,
          f"{s['pearson']:.3f} vs prior {base['pearson']:.3f}")
    check("noise: classifier on rebuilt rows at chance", s["classifier_on_rebuilt"] <= 0.25,
          f"{s['classifier_on_rebuilt']:.3f} (chance 0.1)")
    check("noise: labels from patterns at chance", s["labels_from_relu"] <= 0.25, f"{s['labels_from_relu']:.3f}")
    check("noise: replica far below the public prior's own classifier", s["replica_accuracy"] <= 0.5,
          f"{s['replica_accuracy']:.3f} vs prior {base['replica_accuracy']:.3f}")


def masked_capture(rows, seed, masking):
    directory = tempfile.mkdtemp(prefix="privacy-selftest-masked-")
    truth = os.path.join(directory, "truth")
    synthetic_capture.write_masked_job(directory, truth, 0, MODEL.weights, PRIVATE.images[:rows], np.random.default_rng(seed),
                                       "job-0", masking)
    view = worker_view.load(directory)
    (job,) = masked_attacks.first_jobs(view)
    if masking == "uniform":
        alignment = ground_truth.align_masked(job, ground_truth.mask_seeds(truth), PRIVATE.images[:rows])
    else:  # a broken producer's R is not the seed's: the alignment is known by construction
        alignment = ground_truth.align_identity(rows, PRIOR.features, constant_column=False)
    (attack,) = masked_attacks.attack_capture(view, PRIOR)
    return job, attack, alignment


MASKED_CHECKS = scoring.masked_checks_per_job()


def masked_chance_verdicts(rows, seed, masking):
    """(scores, {check: passed}) of every chance check on one synthetic masked job."""
    _, attack, alignment = masked_capture(rows, seed, masking)
    s = scoring.score_masked_job(attack, alignment, PRIVATE, MODEL, CLASSIFIER, chance.per_check_alpha(MASKED_CHECKS))
    verdicts = {f"{name}: {check}": c for name, scores in s["inputs"].items() for check, c in scores["chance"].items()}
    verdicts.update({f"labels: {name}": c for name, c in s["chance_labels"].items()})
    return s, verdicts


def masked_case(rows):
    """Real masking (R from the PRG under a random seed): every attack inside its chance band."""
    s, verdicts = masked_chance_verdicts(rows, seed=23, masking="uniform")
    for name, c in verdicts.items():
        check(f"masked {rows}: {name} at chance", c["passed"],
              f"{c['value']:.4f} in [{c['low']:.4f}, {c['high']:.4f}]")
    direct = s["inputs"]["X̂ read as X_q, rescaled"]
    uniform = chance.uniform_direct_chance(PRIVATE.images[:rows], 13)
    check(f"masked {rows}: direct read's chance level is the uniform-mod-p one",
          abs(direct["chance"]["values_exact"]["chance"] - uniform) < 0.02,
          f"{direct['chance']['values_exact']['chance']:.4f} vs {uniform:.4f}")
    check(f"masked {rows}: replica from W_q agrees with the model (the model is not protected)",
          s["replica_agreement"] >= 0.9, f"{s['replica_agreement']:.3f}")
    check(f"masked {rows}: W_q is the true weights up to one scale per unit", s["weights_cosine_min"] >= 0.999,
          f"smallest per-unit cosine {s['weights_cosine_min']:.6f}")
    print(f"     masked {rows}: replica accuracy {s['replica_accuracy']:.3f}, agreement {s['replica_agreement']:.3f}")


def masked_controls():
    """The attacks and the checks can fail: with R = 0 (X̂ = X_q) the direct read rebuilds the rows and
    the chance checks fire; with a short R (< 2^16) some check still fires."""
    s, verdicts = masked_chance_verdicts(100, seed=29, masking="none")
    direct = s["inputs"]["X̂ read as X_q, rescaled"]
    check("masked control R = 0: direct read rebuilds the rows", direct["values_exact"] >= 0.99,
          f"{direct['values_exact']:.4f}")
    check("masked control R = 0: the chance checks fire", not all(c["passed"] for c in verdicts.values()),
          f"{sum(not c['passed'] for c in verdicts.values())} of {len(verdicts)} fired")
    _, verdicts = masked_chance_verdicts(100, seed=31, masking="short")
    fired = [name for name, c in verdicts.items() if not c["passed"]]
    check("masked control R < 2^16: a chance check fires", fired, ", ".join(fired) or "none fired")


def masked_ground_truth_refuses_other_rows():
    directory = tempfile.mkdtemp(prefix="privacy-selftest-masked-")
    truth = os.path.join(directory, "truth")
    synthetic_capture.write_masked_job(directory, truth, 0, MODEL.weights, PRIVATE.images[:25], np.random.default_rng(37),
                                       "job-0")
    (job,) = masked_attacks.first_jobs(worker_view.load(directory))
    try:
        ground_truth.align_masked(job, ground_truth.mask_seeds(truth), PRIVATE.images[25:50])
        check("masked ground truth refuses rows the job did not carry", False, "accepted")
    except ground_truth.GroundTruthError as error:
        check("masked ground truth refuses rows the job did not carry", True, str(error))


def ground_truth_refuses_a_wrong_alignment():
    view = capture("chained", [25], seed=17)
    (job,) = blinded_attacks.first_jobs(view)
    try:
        ground_truth.align_blinded(job.tensors[0], view.model_of(job).weights[0], MODEL, PRIVATE.images[100:125])
        check("ground truth refuses rows the job did not carry", False, "accepted")
    except ground_truth.GroundTruthError as error:
        check("ground truth refuses rows the job did not carry", True, str(error))


if __name__ == "__main__":
    PRIVATE = ground_truth.load_private()
    ground_truth.check_prior_is_disjoint(PRIVATE)
    PRIOR = public_prior.load()
    MODEL = ground_truth.load_true_model()
    CLASSIFIER = public_prior.classifier(PRIOR)
    blinded_case("chained", 100)
    blinded_case("per-layer", 100)
    cross_job_case()
    noise_case()
    ground_truth_refuses_a_wrong_alignment()
    masked_case(100)
    masked_case(360)
    masked_controls()
    masked_ground_truth_refuses_other_rows()
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(0 if passed == len(results) else 1)
