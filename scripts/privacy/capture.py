"""Captures what a worker receives, as the broker user securenets-worker, into a directory.

Mode-independent: every message body on `securenets.jobs` (read with basic.get, never acked, so the
broker keeps it) and every chunk on the `securenets.models` stream is written verbatim to
`jobs/NNNN.bin` and `models/NNNN.bin`. Nothing is decoded beyond what is needed to know when the
models named by the captured jobs are complete.
"""

import os
import sys
import time

import worker_view


def open_channel(connection):
    channel = connection.channel()
    channel.basic_qos(prefetch_count=64)
    return channel


def poll_jobs(connection, channel, stream_consumer, queue, on_chunk):
    """One basic.get on `queue` (never acked here), starting the models-stream consumer `on_chunk` once
    the queues exist. Returns (channel, stream_consumer, method, body): body None when the queue is
    empty, or does not exist yet (the producer or verifier declares the topology; the broker then
    closes the channel, which is reopened)."""
    import pika
    try:
        method, _, body = channel.basic_get(queue, auto_ack=False)
        if stream_consumer is None:
            stream_consumer = channel.basic_consume("securenets.models", on_chunk,
                                                    arguments={"x-stream-offset": "first"})
        return channel, stream_consumer, method, body
    except (pika.exceptions.ChannelClosedByBroker, pika.exceptions.ChannelWrongStateError):
        time.sleep(0.2)
        return open_channel(connection), None, None, None


def capture(amqp_url, directory, expected_jobs, timeout_seconds=120.0, settle_seconds=2.0):
    """Reads until `expected_jobs` jobs and all their models are captured (or `settle_seconds` pass
    without news after at least one job); raises TimeoutError after `timeout_seconds`."""
    import pika
    os.makedirs(os.path.join(directory, "jobs"), exist_ok=True)
    os.makedirs(os.path.join(directory, "models"), exist_ok=True)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    deadline = time.monotonic() + timeout_seconds
    jobs, chunks, wanted, complete = 0, 0, set(), set()
    chunk_manifests = {}
    last_news = time.monotonic()
    channel = open_channel(connection)
    stream_consumer = None
    pending_chunks = []

    def on_chunk(ch, method, properties, body):
        pending_chunks.append(body)
        ch.basic_ack(method.delivery_tag)

    try:
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"captured {jobs} of {expected_jobs} jobs and models {sorted(complete)} "
                                   f"of {sorted(wanted)} in {timeout_seconds:.0f} s")
            channel, stream_consumer, method, body = poll_jobs(connection, channel, stream_consumer,
                                                               "securenets.jobs", on_chunk)
            if body is not None:
                with open(os.path.join(directory, "jobs", f"{jobs:04d}.bin"), "wb") as handle:
                    handle.write(body)
                jobs += 1
                last_news = time.monotonic()
                frame, manifest, _ = worker_view.decode(body, "job")
                if isinstance(manifest, dict) and manifest.get("model_digest"):
                    wanted.add(manifest["model_digest"])
            connection.process_data_events(time_limit=0.1)
            for chunk in pending_chunks:
                with open(os.path.join(directory, "models", f"{chunks:04d}.bin"), "wb") as handle:
                    handle.write(chunk)
                chunks += 1
                last_news = time.monotonic()
                _, manifest, _ = worker_view.decode(chunk, "model chunk")
                entry = chunk_manifests.setdefault(manifest["model_digest"], set())
                entry.add(manifest["index"])
                if len(entry) == manifest["count"]:
                    complete.add(manifest["model_digest"])
            pending_chunks.clear()
            models_done = wanted and wanted <= complete
            if models_done and (jobs >= expected_jobs or time.monotonic() - last_news > settle_seconds):
                return {"jobs": jobs, "model_chunks": chunks, "models": sorted(complete)}
            if body is None:
                time.sleep(0.05)
    finally:
        try:
            connection.close()
        except Exception as error:  # closing a broken connection: nothing left to lose
            print(f"capture: closing the connection: {error}", file=sys.stderr)
