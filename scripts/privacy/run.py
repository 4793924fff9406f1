#!/usr/bin/env python3
"""The leakage harness (`make privacy`): capture what a worker receives from the real producer, run
the attacks on the capture, score them against ground truth, print Markdown tables, write JSON.

Three parts that never share information except through files:
  capture  blinded mode (capture.py): the real `securenets submit` publishes to a vhost of our own
           with no worker running; we read jobs and the models stream as securenets-worker.
           masked mode (masked_capture.py): the real producer, verifier and mask-pool worker run whole
           jobs; a curious data-pool worker (securenets-worker-data) serves them and keeps copies.
  attack   (blinded_attacks.py, masked_attacks.py) — reads only the capture and the public prior;
  scoring  (scoring.py, ground_truth.py, chance.py) — reads the private rows, labels and the true model.
See docs/PRIVACY-HARNESS.md.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dependencies  # noqa: E402
import processes  # noqa: E402

REPO = processes.REPO


@dataclass(frozen=True)
class PrivacyMode:
    """How to capture, attack and align one privacy mode of the producer: its submit flags, the broker
    user of the worker being studied, its attack module and its ground-truth alignment, and the
    producer modes (`--mode`) it is measured in (None: the flag does not apply)."""
    submit_flags: tuple
    worker_user: str
    attack_module: str
    alignment: str  # "blinded" (derived and proven from the capture) or "identity" (proven by unmasking)
    producer_modes: tuple = None


MODES = {
    "blinded": PrivacyMode(("--privacy", "blinded"), "securenets-worker", "blinded_attacks", "blinded",
                           ("chained", "per-layer")),
    "masked": PrivacyMode(("--privacy", "masked"), "securenets-worker-data", "masked_attacks", "identity"),
}

# Masked mode's chance checks are asserted on jobs of at least this many rows: below it a random
# pairing of rows has too few outcomes for the bands' normal approximation (5 rows: 120 pairings).
ASSERTED_MIN_ROWS = 25


def blinded_capture_run(label, jobs, mode, privacy, bin_dir, work, private_images):
    """One vhost, one producer per (start, stop) rows in `jobs`, no worker, one read-only capture."""
    import capture
    import numpy as np
    run_dir = os.path.join(work, label)
    os.makedirs(run_dir, exist_ok=True)
    vhost = f"privacy-{os.getpid()}-{label}"
    subprocess.run([processes.RABBITMQ, "vhost-add", vhost], check=True)
    producers = []
    try:
        truth = {}
        for start, end in jobs:
            rows_path = os.path.join(run_dir, f"rows-{start}-{end}.npy")
            np.save(rows_path, private_images[start:end].astype(np.float32))
            process, log = processes.start_producer(bin_dir, os.path.join(work, "home"), vhost, rows_path, run_dir,
                                                    end - start, (*MODES[privacy].submit_flags, "--mode", mode))
            producers.append((process, log))
            truth[processes.job_id_of(process, log)] = [start, end]
        summary = capture.capture(processes.amqp_url(MODES[privacy].worker_user, vhost),
                                  os.path.join(run_dir, "capture"), expected_jobs=len(jobs))
        for process, log in producers:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"producer exited early ({process.returncode}): {log.read().strip()}")
        with open(os.path.join(run_dir, "truth.json"), "w") as handle:
            json.dump({"jobs": truth, "mode": mode, "privacy": privacy, "capture": summary}, handle)
        return run_dir
    finally:
        for process, log in producers:
            processes.stop(process)  # it waits for replies that never come (no worker)
            log.close()
        subprocess.run([processes.RABBITMQ, "vhost-delete", vhost], check=False)


def analyse(run_dir, privacy, link, prior, private, true_model, classifier, alpha=None):
    """Attack (capture + prior only), then score (ground truth): one result per job. Masked mode's
    results also carry each chance check at per-check level `alpha` (`chance.py`)."""
    import importlib
    import ground_truth
    import scoring
    import worker_view
    attacks_module = importlib.import_module(MODES[privacy].attack_module)
    view = worker_view.load(os.path.join(run_dir, "capture"))
    attacks = attacks_module.attack_capture(view, prior, link=link)
    rows = ground_truth.job_rows(run_dir)
    jobs = {job.manifest["job_id"]: job for job in attacks_module.first_jobs(view)}
    seeds = ground_truth.mask_seeds(os.path.join(run_dir, "truth")) if privacy == "masked" else None
    alignments = {}
    for job_id, job in jobs.items():
        start, end = rows[job_id]
        if MODES[privacy].alignment == "blinded":
            alignment = ground_truth.align_blinded(job.tensors[0], view.model_of(job).weights[0], true_model,
                                                   private.images[start:end])
        else:
            alignment = ground_truth.align_masked(job, seeds, private.images[start:end])
        alignments[job_id] = ground_truth.Alignment(alignment.row_of + start, alignment.pixel_of_column)
    results = []
    for attack in attacks:
        alignment = alignments[attack.job_id]
        if privacy == "masked":
            scores = scoring.score_masked_job(attack, alignment, private, true_model, classifier, alpha)
            scores["producer_agreement"] = producer_agreement(run_dir, attack.job_id, alignment, true_model, private)
        else:
            scores = scoring.score_job(attack, alignment, private, true_model, classifier)
            scores["links"] = {other: scoring.link_score(b_of, alignment, alignments[other])
                               for other, b_of in getattr(attack, "linked_to", {}).items()}
        scores["job_rows"] = list(rows[attack.job_id])
        results.append(scores)
    return results


def producer_agreement(run_dir, job_id, alignment, true_model, private):
    """Share of the job's rows whose label, as `securenets submit` wrote it, is the true model's: the
    capture is of whole, honest, verified jobs."""
    import numpy as np
    with open(os.path.join(run_dir, "truth.json")) as handle:
        labels = np.load(json.load(handle)["labels"][job_id])
    return float(np.mean(labels == true_model.predict(private.images[alignment.row_of])))


def percent(value, digits=1):
    return "—" if value is None else f"{100 * value:.{digits}f} %"


def signed(value, digits=5):
    return "—" if value is None else f"{value:.{digits}f}"


HEADLINE = ["mode", "rows a job", "input positions", "pixel values exact", "Pearson", "Pearson within pixels",
            "classifier on rebuilt (on true)", "labels from ReLU patterns", "replica accuracy", "replica agreement"]


def markdown(table_rows):
    """The headline table: one row per mode and job size (masked mode: each column the best attack)."""
    lines = ["| " + " | ".join(HEADLINE) + " |", "|" + "---|" * len(HEADLINE)]
    for label, rows, s in table_rows:
        positions = "not hidden" if s.get("positions_hidden") is False else percent(s.get("positions"))
        lines.append("| " + " | ".join([
            label, rows, positions, percent(s["values_exact"], 2), signed(s.get("pearson")),
            signed(s.get("pearson_within_pixels")),
            f"{percent(s['classifier_on_rebuilt'])} ({percent(s['classifier_on_true'])})",
            percent(s["labels_from_relu"]), percent(s["replica_accuracy"]), percent(s["replica_agreement"]),
        ]) + " |")
    return "\n".join(lines)


def band(check, digits=1, scale=100, unit=" %"):
    return f"{check['value'] * scale:.{digits}f}{unit} [{check['low'] * scale:.{digits}f}, {check['high'] * scale:.{digits}f}]"


def chance_markdown(masked_runs):
    """Masked mode's per-attack table: every score with its chance band, and the verdict."""
    header = ["rows a job", "attack", "pixel values exact [chance band]", "Pearson within pixels [bound]",
              "classifier on rebuilt [band]", "at chance"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for run in masked_runs:
        asserted = run["rows"] >= ASSERTED_MIN_ROWS
        for name, scores in run["inputs"].items():
            c = scores["chance"]
            verdict = ("yes" if all(x["passed"] for x in c.values()) else "**NO**") if asserted else "(not asserted)"
            lines.append(f"| {run['rows']} | {name} | {band(c['values_exact'], 2)} | "
                         f"{band(c['pearson_within_pixels'], 4, 1, '')} | {band(c['classifier_on_rebuilt'])} | {verdict} |")
        for name, c in run["chance_labels"].items():
            verdict = ("yes" if c["passed"] else "**NO**") if asserted else "(not asserted)"
            what = "labels from hidden layers' X̂ (ReLU patterns)" if name == "labels_from_relu" else \
                "labels from the pool's own last product"
            lines.append(f"| {run['rows']} | {what} | — | — | {band(c)} | {verdict} |")
    return "\n".join(lines)


def failed_checks(masked_runs):
    """Names of the asserted chance checks that failed, and of any run in which the data pool's user
    could read the mask pool's queue (which would let one pool unmask)."""
    failed = []
    for run in masked_runs:
        if run["capture"].get("mask_queue_refused") is not True:
            failed.append(f"{run['rows']} rows: the broker let securenets-worker-data read securenets.jobs.mask")
        if run["rows"] < ASSERTED_MIN_ROWS:
            continue
        failed += [f"{run['rows']} rows, {name}: {check}" for name, scores in run["inputs"].items()
                   for check, c in scores["chance"].items() if not c["passed"]]
        failed += [f"{run['rows']} rows, {name}" for name, c in run["chance_labels"].items() if not c["passed"]]
    return failed


def measure_blinded(options, sizes, cross, context, table, report):
    for mode in options.modes.split(","):
        if not mode:
            continue
        for size in sizes:
            run_dir = blinded_capture_run(f"{mode}-{size}", [(0, size)], mode, "blinded", options.bin_dir,
                                          context["work"], context["private"].images)
            (scores,) = analyse(run_dir, "blinded", False, *context["analysis"])
            table.append((f"blinded, {mode}", str(size), scores))
            report["runs"].append({"mode": mode, "rows": size, "cross_job": False, **scores})
            print(f"privacy: {mode} {size} rows: {scores['values_exact']:.4f} of pixel values exact", file=sys.stderr)
        if len(cross) == 2:
            jobs = [(0, cross[0]), (cross[0], cross[0] + cross[1])]
            run_dir = blinded_capture_run(f"{mode}-cross", jobs, mode, "blinded", options.bin_dir, context["work"],
                                          context["private"].images)
            for scores in analyse(run_dir, "blinded", True, *context["analysis"]):
                size = scores["job_rows"][1] - scores["job_rows"][0]
                link = next(iter(scores["links"].values()), None)
                label = f"blinded, {mode}, linked to a {cross[1] if size == cross[0] else cross[0]}-row job"
                table.append((label + f" (link {percent(link, 0)} of columns)", str(size), scores))
                report["runs"].append({"mode": mode, "rows": size, "cross_job": True, **scores})


def measure_masked(options, sizes, context, table, report):
    import chance
    import masked_capture
    import scoring
    asserted = sum(size >= ASSERTED_MIN_ROWS for size in sizes)
    alpha = chance.per_check_alpha(asserted * scoring.masked_checks_per_job())
    report["chance"] = {"family_level": 0.999, "checks": asserted * scoring.masked_checks_per_job(),
                        "per_check_alpha": alpha, "asserted_min_rows": ASSERTED_MIN_ROWS}
    for size in sizes:
        run_dir = masked_capture.capture_run(f"masked-{size}", [(0, size)], options.bin_dir, context["work"],
                                             context["private"].images)
        (scores,) = analyse(run_dir, "masked", False, *context["analysis"], alpha=alpha)
        with open(os.path.join(run_dir, "truth.json")) as handle:
            scores["capture"] = json.load(handle)["capture"]
        best = dict(scoring.best_of(scores), positions_hidden=False)
        table.append((f"masked (best of {len(scores['inputs'])} attacks)", str(size), best))
        report["runs"].append({"mode": "masked", "rows": size, "cross_job": False, **scores})
        print(f"privacy: masked {size} rows: best {best['values_exact']:.4f} of pixel values exact, producer "
              f"labels {scores['producer_agreement']:.3f} as the true model's", file=sys.stderr)


def measure(privacy, options, context):
    """Every run of one privacy mode: (Markdown, JSON report, failed chance checks); writes both files."""
    import numpy as np
    import scoring
    prior, private, true_model, classifier = context["analysis"]
    sizes = [int(s) for s in options.sizes.split(",") if s]
    cross = [int(s) for s in options.cross_job.split(",") if s]
    started = time.monotonic()
    table, report = [], {"privacy": privacy, "runs": []}
    if privacy == "masked":
        measure_masked(options, sizes, context, table, report)
    else:
        measure_blinded(options, sizes, cross, context, table, report)
    baseline = scoring.prior_only_scores(prior, np.arange(len(private.labels)), private, true_model, classifier)
    table.append(("public prior only (no capture)", "—", baseline))
    report["prior_only"] = baseline
    report["seconds"] = round(time.monotonic() - started, 1)
    text, failed = markdown(table), []
    if privacy == "masked":
        masked_runs = [r for r in report["runs"] if r["mode"] == "masked"]
        failed = report["chance"]["failed"] = failed_checks(masked_runs)
        text += ("\n\nChance checks (masked mode; two-sided bands at 99.9 % over the run's "
                 f"{report['chance']['checks']} asserted checks, Bonferroni; docs/PRIVACY-HARNESS.md):\n\n"
                 + chance_markdown(masked_runs))
    with open(os.path.join(options.out, f"leakage-{privacy}.md"), "w") as handle:
        handle.write(text + "\n")
    with open(os.path.join(options.out, f"leakage-{privacy}.json"), "w") as handle:
        json.dump(report, handle, indent=1, sort_keys=True)
    print(f"privacy: wrote {options.out}/leakage-{privacy}.md and .json in {report['seconds']} s", file=sys.stderr)
    return text, failed


def main():
    parser = argparse.ArgumentParser(description="Measure what a curious worker learns (docs/PRIVACY-HARNESS.md).")
    parser.add_argument("--privacy", default="blinded,masked", help="privacy modes, comma-separated: " + ", ".join(MODES))
    parser.add_argument("--modes", default="chained,per-layer", help="blinded mode's producer modes")
    parser.add_argument("--sizes", default="5,25,100,360", help="rows per job (one batch each)")
    parser.add_argument("--cross-job", default="5,100", help="blinded mode: rows of the two linked jobs ('' to skip)")
    parser.add_argument("--bin-dir", required=True, help="directory of the built securenets binaries")
    parser.add_argument("--out", default=os.path.join(REPO, "var", "privacy"), help="tables, JSON, captures")
    parser.add_argument("--keep-captures", action="store_true")
    options = parser.parse_args()
    privacies = [p for p in options.privacy.split(",") if p]
    unknown = [p for p in privacies if p not in MODES]
    if unknown or not privacies:
        parser.error(f"--privacy: unknown mode {', '.join(unknown) or '(none)'}; choose from {', '.join(MODES)}")
    dependencies.ensure()
    import ground_truth
    import public_prior

    private = ground_truth.load_private()
    ground_truth.check_prior_is_disjoint(private)
    prior = public_prior.load()
    context = {"private": private,
               "analysis": (prior, private, ground_truth.load_true_model(), public_prior.classifier(prior))}
    os.makedirs(options.out, exist_ok=True)
    context["work"] = tempfile.mkdtemp(prefix="captures-", dir=options.out)
    failed = []
    try:
        for privacy in privacies:
            text, failures = measure(privacy, options, context)
            print(f"\n## {privacy} mode\n\n{text}")
            failed += failures
    finally:
        if not options.keep_captures:
            shutil.rmtree(context["work"], ignore_errors=True)
    if failed:
        print("privacy: FAIL: masked-mode attacks above chance: " + "; ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
