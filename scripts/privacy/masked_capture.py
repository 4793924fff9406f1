"""Captures what a curious masked-mode data-pool worker receives from the real producer, over whole jobs.

In a vhost of the run's own: the real verifier (`--pool both`, the user's side) and a real mask-pool
worker (`securenets-worker --pool mask`, as securenets-worker-mask), the curious data-pool worker
(`curious_data_worker.py`, as securenets-worker-data, answering honestly so every layer is sent), and
one `securenets submit --privacy masked` per job. Ground truth taps the mask pool's jobs
(`mask_tap.py`) to prove the alignment later. The run ends when every producer has finished its job
(verified, unmasked, written): that the outputs agree with the true model is checked by scoring.

Directory layout: `capture/` (what the data-pool worker received: jobs/, models/, summary.json),
`truth/` (the tapped mask-pool jobs), `truth.json` (job id → private rows), producer and service logs.
"""

import json
import os
import subprocess
import sys

import numpy as np

import mask_tap
import processes

HERE = os.path.dirname(os.path.abspath(__file__))
SUBMIT_FLAGS = ("--privacy", "masked", "--timeout", "120")


def capture_run(label, jobs, bin_dir, work, private_images, timeout=600):
    """One vhost, the services, one producer per (start, stop) rows in `jobs`; returns the run directory."""
    run_dir = os.path.join(work, label)
    capture_dir, truth_dir = os.path.join(run_dir, "capture"), os.path.join(run_dir, "truth")
    os.makedirs(capture_dir, exist_ok=True)
    vhost = f"privacy-{os.getpid()}-{label}"
    home = os.path.join(work, "home")
    env = dict(os.environ, SECURENETS_HOME=home, SECURENETS_AMQP_URL="",
               SECURENETS_VERIFIER_AMQP_URL=processes.amqp_url("securenets-verifier", vhost),
               SECURENETS_WORKER_MASK_AMQP_URL=processes.amqp_url("securenets-worker-mask", vhost))
    admin = processes.amqp_url("securenets", vhost)
    subprocess.run([processes.RABBITMQ, "vhost-add", vhost], check=True)
    running = []
    try:
        verifier = processes.start_service([os.path.join(bin_dir, "securenets-verifier"), "serve", "--id",
                                            f"privacy-verifier-{label}"], env, os.path.join(run_dir, "verifier.log"))
        running.append(verifier)
        processes.wait_for_log(*verifier, "verifier ready", "securenets-verifier")
        mask_tap.declare(admin)
        mask_worker = processes.start_service([os.path.join(bin_dir, "securenets-worker"), "--pool", "mask", "--id",
                                               f"privacy-mask-{label}", "--threads", "1"], env,
                                              os.path.join(run_dir, "mask-worker.log"))
        running.append(mask_worker)
        processes.wait_for_log(*mask_worker, "worker ready", "securenets-worker --pool mask")
        curious = processes.start_service([sys.executable, os.path.join(HERE, "curious_data_worker.py"),
                                           processes.amqp_url("securenets-worker-data", vhost), capture_dir],
                                          dict(os.environ), os.path.join(run_dir, "curious-data-worker.log"))
        running.append(curious)
        truth, producers = {}, []
        for start, end in jobs:
            rows_path = os.path.join(run_dir, f"rows-{start}-{end}.npy")
            np.save(rows_path, private_images[start:end].astype(np.float32))
            producer = processes.start_producer(bin_dir, home, vhost, rows_path, run_dir, end - start, SUBMIT_FLAGS)
            running.append(producer)
            job_id = processes.job_id_of(*producer)
            producers.append((producer, job_id))
            truth[job_id] = [start, end]
        outputs = {}
        for (process, log), job_id in producers:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                raise TimeoutError(f"securenets submit did not finish in {timeout} s") from None
            if process.returncode != 0:
                log.seek(0)
                raise RuntimeError(f"securenets submit exited with {process.returncode}: {log.read().strip()[-2000:]}")
            start, end = truth[job_id]
            outputs[job_id] = os.path.join(run_dir, f"labels-rows-{start}-{end}.npy")
        processes.stop(curious[0])
        if curious[0].returncode not in (0, -15):
            curious[1].seek(0)
            raise RuntimeError(f"the curious data-pool worker failed: {curious[1].read().strip()[-2000:]}")
        tapped = mask_tap.drain(admin, truth_dir)
        with open(os.path.join(capture_dir, "summary.json")) as handle:
            summary = json.load(handle)
        summary["mask_jobs_tapped_for_ground_truth"] = tapped
        with open(os.path.join(run_dir, "truth.json"), "w") as handle:
            json.dump({"jobs": truth, "privacy": "masked", "capture": summary, "labels": outputs}, handle)
        return run_dir
    finally:
        for process, log in reversed(running):
            processes.stop(process)
            log.close()
        subprocess.run([processes.RABBITMQ, "vhost-delete", vhost], check=False)
