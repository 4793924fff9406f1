"""The real product's processes as the harness runs them: the producer (`securenets submit`), the
verifier and workers, each as its own broker role in the run's own vhost, stopped by their own pid."""

import os
import re
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
RABBITMQ = os.path.join(REPO, "infra", "local", "rabbitmq")
MODEL = os.path.join(REPO, "samples", "digits", "model.onnx")


def amqp_url(user, vhost):
    """The vhost as broker user `user` (local users' password is their name)."""
    port = os.environ.get("SECURENETS_RABBITMQ_PORT", "5672")
    return f"amqp://{user}:{user}@127.0.0.1:{port}/{vhost}"


def start_producer(bin_dir, home, vhost, rows_path, out_dir, batch, flags):
    """`securenets submit` of the bundled model on `rows_path`, one batch of `batch` rows; returns (process, log)."""
    env = dict(os.environ, SECURENETS_HOME=home,
               SECURENETS_PRODUCER_AMQP_URL=amqp_url("securenets-producer", vhost))
    name = os.path.basename(rows_path)
    log = open(os.path.join(out_dir, f"producer-{name}.log"), "w+")
    command = [os.path.join(bin_dir, "securenets"), "submit", "--model", MODEL, "--input", rows_path,
               "--output", os.path.join(out_dir, f"out-{name}"), "--labels", os.path.join(out_dir, f"labels-{name}"),
               "--batch-size", str(batch), *flags]
    return subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True), log


def start_service(command, env, log_path):
    """A verifier or worker in the background; returns (process, log)."""
    log = open(log_path, "w+")
    return subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True, cwd=REPO), log


def wait_for_log(process, log, pattern, what, timeout=90):
    """Waits until `log` matches `pattern` (a regex); returns the match. Raises when the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.seek(0)
        match = re.search(pattern, log.read(), re.MULTILINE)
        if match:
            return match
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{what} exited with {process.returncode}: {log.read().strip()[-2000:]}")
        time.sleep(0.1)
    raise TimeoutError(f"{what}: no '{pattern}' in its log after {timeout} s")


def job_id_of(process, log, timeout=60):
    return wait_for_log(process, log, r"^job ([0-9a-f-]+):", "securenets submit", timeout).group(1)


def stop(process):
    """Stops one process we started, by its own pid: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
