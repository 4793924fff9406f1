"""Ground truth's tap on the mask pool's jobs: a queue of the run's own vhost bound to the mask pool's
routing key, declared and read as the vhost's administrative user, so every mask-pool job (its seed)
is copied while the real mask-pool worker serves `securenets.jobs.mask` as usual.

Only ground truth reads the copies (to prove the alignment by unmasking); the attacks never do: a
data-pool worker cannot read the mask pool's queue (the curious worker checks that the broker refuses it).
"""

import os

TAP_QUEUE = "privacy.truth.jobs.mask"


def declare(admin_url):
    """Declares and binds the tap; the exchange must exist (the verifier declares the topology)."""
    import pika
    connection = pika.BlockingConnection(pika.URLParameters(admin_url))
    try:
        channel = connection.channel()
        channel.queue_declare(TAP_QUEUE, durable=True)
        channel.queue_bind(TAP_QUEUE, "securenets", routing_key="jobs.mask")
    finally:
        connection.close()


def drain(admin_url, directory):
    """Writes every tapped body to `directory/jobs/NNNN.bin`; returns how many."""
    import pika
    os.makedirs(os.path.join(directory, "jobs"), exist_ok=True)
    connection = pika.BlockingConnection(pika.URLParameters(admin_url))
    count = 0
    try:
        channel = connection.channel()
        while True:
            method, _, body = channel.basic_get(TAP_QUEUE, auto_ack=True)
            if body is None:
                return count
            with open(os.path.join(directory, "jobs", f"{count:04d}.bin"), "wb") as handle:
                handle.write(body)
            count += 1
    finally:
        connection.close()
