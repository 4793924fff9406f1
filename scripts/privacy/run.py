#!/usr/bin/env python3
"""The leakage harness (`make privacy`): capture what a worker receives from the real producer, run
the attacks on the capture, score them against ground truth, print one Markdown table, write JSON.

Three parts that never share information except through files:
  capture  (capture.py)   — the real `securenets submit` publishes to a vhost of our own with no
                            worker running; we read jobs and the models stream as securenets-worker;
  attack   (blinded_attacks.py) — reads only the capture directory and the public prior;
  scoring  (scoring.py, ground_truth.py) — reads the private rows, labels and the true model.
See docs/PRIVACY-HARNESS.md.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dependencies  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
RABBITMQ = os.path.join(REPO, "infra", "local", "rabbitmq")
MODEL = os.path.join(REPO, "samples", "digits", "model.onnx")


@dataclass(frozen=True)
class PrivacyMode:
    """How to capture, attack and align one privacy mode of the producer. A new mode (masked, DESIGN
    §8) adds an entry: its submit flags, the broker user and queue of the worker being studied, its
    attack module (same JobAttack interface) and its ground-truth alignment."""
    submit_flags: tuple
    worker_user: str
    attack_module: str
    alignment: str  # "blinded" (derived and proven from the capture) or "identity"


MODES = {
    "blinded": PrivacyMode(("--privacy", "blinded"), "securenets-worker", "blinded_attacks", "blinded"),
    # When masked mode lands: ("--privacy", "masked"), the data-pool worker user, "masked_attacks",
    # "identity" — the same table, the same scoring.
}


def amqp_url(user, vhost):
    port = os.environ.get("SECURENETS_RABBITMQ_PORT", "5672")
    return f"amqp://{user}:{user}@127.0.0.1:{port}/{vhost}"


def start_producer(bin_dir, home, vhost, rows_path, out_dir, batch, mode, flags):
    env = dict(os.environ, SECURENETS_HOME=home,
               SECURENETS_PRODUCER_AMQP_URL=amqp_url("securenets-producer", vhost))
    log = open(os.path.join(out_dir, f"producer-{os.path.basename(rows_path)}.log"), "w+")
    command = [os.path.join(bin_dir, "securenets"), "submit", "--model", MODEL, "--input", rows_path,
               "--output", os.path.join(out_dir, f"out-{os.path.basename(rows_path)}"),
               "--batch-size", str(batch), "--mode", mode, *flags]
    return subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True), log


def job_id_of(process, log, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.seek(0)
        match = re.search(r"^job ([0-9a-f-]+):", log.read(), re.MULTILINE)
        if match:
            return match.group(1)
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"securenets submit exited with {process.returncode}: {log.read().strip()}")
        time.sleep(0.1)
    raise TimeoutError("securenets submit printed no job id")


def stop(process):
    """The producer waits for replies that never come (no worker): stop it, by its own pid."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def capture_run(label, jobs, mode, privacy, bin_dir, work, private_images):
    """One vhost, one producer per (start, stop) rows in `jobs`, one capture; returns the run dir."""
    import capture
    import numpy as np
    run_dir = os.path.join(work, label)
    os.makedirs(run_dir, exist_ok=True)
    vhost = f"privacy-{os.getpid()}-{label}"
    subprocess.run([RABBITMQ, "vhost-add", vhost], check=True)
    producers = []
    try:
        truth = {}
        for start, end in jobs:
            rows_path = os.path.join(run_dir, f"rows-{start}-{end}.npy")
            np.save(rows_path, private_images[start:end].astype(np.float32))
            process, log = start_producer(bin_dir, os.path.join(work, "home"), vhost, rows_path, run_dir,
                                          end - start, mode, MODES[privacy].submit_flags)
            producers.append((process, log))
            truth[job_id_of(process, log)] = [start, end]
        summary = capture.capture(amqp_url(MODES[privacy].worker_user, vhost), os.path.join(run_dir, "capture"),
                                  expected_jobs=len(jobs))
        for process, log in producers:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"producer exited early ({process.returncode}): {log.read().strip()}")
        with open(os.path.join(run_dir, "truth.json"), "w") as handle:
            json.dump({"jobs": truth, "mode": mode, "privacy": privacy, "capture": summary}, handle)
        return run_dir
    finally:
        for process, log in producers:
            stop(process)
            log.close()
        subprocess.run([RABBITMQ, "vhost-delete", vhost], check=False)


def analyse(run_dir, privacy, link, prior, private, true_model, classifier):
    """Attack (capture + prior only), then score (ground truth): one result per job."""
    import importlib
    import ground_truth
    import scoring
    import worker_view
    attacks_module = importlib.import_module(MODES[privacy].attack_module)
    view = worker_view.load(os.path.join(run_dir, "capture"))
    attacks = attacks_module.attack_capture(view, prior, link=link)
    rows = ground_truth.job_rows(run_dir)
    jobs = {job.manifest["job_id"]: job for job in attacks_module.first_jobs(view)}
    alignments = {}
    for job_id, job in jobs.items():
        start, end = rows[job_id]
        if MODES[privacy].alignment == "blinded":
            alignment = ground_truth.align_blinded(job.tensors[0], view.model_of(job).weights[0], true_model,
                                                   private.images[start:end])
        else:
            alignment = ground_truth.align_identity(end - start, job.tensors[0].shape[1])
        alignments[job_id] = ground_truth.Alignment(alignment.row_of + start, alignment.pixel_of_column)
    results = []
    for attack in attacks:
        scores = scoring.score_job(attack, alignments[attack.job_id], private, true_model, classifier)
        scores["job_rows"] = list(rows[attack.job_id])
        scores["links"] = {other: scoring.link_score(b_of, alignments[attack.job_id], alignments[other])
                           for other, b_of in getattr(attack, "linked_to", {}).items()}
        results.append(scores)
    return results


def percent(value, digits=1):
    return "—" if value is None else f"{100 * value:.{digits}f} %"


def markdown(table_rows):
    header = ["mode", "rows a job", "input positions", "pixel values exact", "Pearson",
              "classifier on rebuilt (on true)", "labels from ReLU patterns", "replica accuracy",
              "replica agreement"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, rows, s in table_rows:
        pearson = "—" if s.get("pearson") is None else f"{s['pearson']:.5f}"
        lines.append("| " + " | ".join([
            label, rows, percent(s.get("positions")), percent(s["values_exact"], 2), pearson,
            f"{percent(s['classifier_on_rebuilt'])} ({percent(s['classifier_on_true'])})",
            percent(s["labels_from_relu"]), percent(s["replica_accuracy"]), percent(s["replica_agreement"]),
        ]) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description="Measure what a curious worker learns (docs/PRIVACY-HARNESS.md).")
    parser.add_argument("--privacy", choices=sorted(MODES), default="blinded")
    parser.add_argument("--modes", default="chained,per-layer")
    parser.add_argument("--sizes", default="5,25,100,360", help="rows per job (one batch each)")
    parser.add_argument("--cross-job", default="5,100", help="rows of the two linked jobs ('' to skip)")
    parser.add_argument("--bin-dir", required=True, help="directory of the built securenets binary")
    parser.add_argument("--out", default=os.path.join(REPO, "var", "privacy"), help="table, JSON, captures")
    parser.add_argument("--keep-captures", action="store_true")
    options = parser.parse_args()
    dependencies.ensure()
    import numpy as np
    import ground_truth
    import public_prior
    import scoring

    private = ground_truth.load_private()
    ground_truth.check_prior_is_disjoint(private)
    prior = public_prior.load()
    true_model = ground_truth.load_true_model()
    classifier = public_prior.classifier(prior)
    os.makedirs(options.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="captures-", dir=options.out)
    modes = [m for m in options.modes.split(",") if m]
    sizes = [int(s) for s in options.sizes.split(",") if s]
    cross = [int(s) for s in options.cross_job.split(",") if s]
    started = time.monotonic()
    table, report = [], {"privacy": options.privacy, "runs": []}
    try:
        for mode in modes:
            for size in sizes:
                run_dir = capture_run(f"{mode}-{size}", [(0, size)], mode, options.privacy, options.bin_dir,
                                      work, private.images)
                (scores,) = analyse(run_dir, options.privacy, False, prior, private, true_model, classifier)
                table.append((f"{options.privacy}, {mode}", str(size), scores))
                report["runs"].append({"mode": mode, "rows": size, "cross_job": False, **scores})
                print(f"privacy: {mode} {size} rows: {scores['values_exact']:.4f} of pixel values exact",
                      file=sys.stderr)
            if len(cross) == 2:
                jobs = [(0, cross[0]), (cross[0], cross[0] + cross[1])]
                run_dir = capture_run(f"{mode}-cross", jobs, mode, options.privacy, options.bin_dir, work,
                                      private.images)
                results = analyse(run_dir, options.privacy, True, prior, private, true_model, classifier)
                for scores in results:
                    size = scores["job_rows"][1] - scores["job_rows"][0]
                    link = next(iter(scores["links"].values()), None)
                    label = f"{options.privacy}, {mode}, linked to a {cross[1] if size == cross[0] else cross[0]}-row job"
                    table.append((label + f" (link {percent(link, 0)} of columns)", str(size), scores))
                    report["runs"].append({"mode": mode, "rows": size, "cross_job": True, **scores})
        baseline = scoring.prior_only_scores(prior, np.arange(len(private.labels)), private, true_model, classifier)
        table.append(("public prior only (no capture)", "—", baseline))
        report["prior_only"] = baseline
    finally:
        if not options.keep_captures:
            shutil.rmtree(work, ignore_errors=True)
    report["seconds"] = round(time.monotonic() - started, 1)
    text = markdown(table)
    print(text)
    with open(os.path.join(options.out, f"leakage-{options.privacy}.md"), "w") as handle:
        handle.write(text + "\n")
    with open(os.path.join(options.out, f"leakage-{options.privacy}.json"), "w") as handle:
        json.dump(report, handle, indent=1, sort_keys=True)
    print(f"privacy: wrote {options.out}/leakage-{options.privacy}.md and .json in {report['seconds']} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
