#!/usr/bin/env python3
"""An honest-but-curious masked-mode data-pool worker: it serves `securenets.jobs.data` as the broker
user securenets-worker-data, exactly as `securenets-worker --pool data` would, and keeps a copy of
everything it is delivered.

Masked mode sends layer l + 1 of a batch only once both pools' products of layer l are verified, so a
capture that only reads (as blinded mode's does) would see layer 0 alone. This worker answers every
job honestly (Z_A = X̂ · W_q mod p, checked by the real verifier), so the producer runs the whole
job and the capture holds every layer's X̂ — what a real data-pool worker sees over a job's life.

Writes, into DIRECTORY: `jobs/NNNN.bin` (every job body, verbatim, in delivery order),
`models/NNNN.bin` (every chunk of the `securenets.models` stream) and, on SIGTERM, `summary.json`
(counts, and whether the broker refused this user the mask pool's queue, as it must).

    curious_data_worker.py AMQP_URL DIRECTORY
"""

import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import pika  # noqa: E402

import capture  # noqa: E402
import frame_encoding  # noqa: E402
import masked_math  # noqa: E402
import worker_view  # noqa: E402

WORKER_ID = "privacy-curious-data"


def mask_queue_refused(connection):
    """True when the broker refuses this user `securenets.jobs.mask` (basic.get → 403 closes the channel)."""
    channel = connection.channel()
    try:
        channel.basic_get("securenets.jobs.mask", auto_ack=False)
    except pika.exceptions.ChannelClosedByBroker as error:
        return error.reply_code == 403
    channel.close()
    return False


def result_frame(job_frame, x_hat, product):
    """The masked result (kind 7): the job's signed manifest bytes and signature copied, worker metadata,
    and in the blob X̂ then Z_A (docs/PROTOCOL.md §14, MaskedResultMessage)."""
    metadata = {"compute_ms": 0.0, "worker_id": WORKER_ID}
    blob = masked_math.encode_residues(x_hat) + masked_math.encode_residues(product)
    return frame_encoding.frame("masked_result", job_frame["manifest_bytes"], metadata=metadata, blob=blob,
                                signature=job_frame["signature"])


class CuriousDataWorker:
    def __init__(self, url, directory):
        self.url, self.directory = url, directory
        for sub in ("jobs", "models"):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)
        self.jobs = self.chunks = self.answered = 0
        self.chunk_frames = []    # (manifest, blob) of every chunk read
        self.models = {}          # digest -> W_q list
        self.pending = []         # (delivery tag, body, manifest) waiting for their model
        self.stopping = False
        self.refused = None

    def _model_weights(self, digest):
        if digest not in self.models:
            for found, data in worker_view.assemble_models(self.chunk_frames).items():
                if found not in self.models:
                    frame, _, _ = worker_view.decode(data, f"model {found[:12]}")
                    self.models[found] = [worker_view.tensor_array(t).astype(np.int64) for t in frame["tensors"]]
        return self.models.get(digest)

    def _save(self, sub, index, body):
        with open(os.path.join(self.directory, sub, f"{index:04d}.bin"), "wb") as handle:
            handle.write(body)

    def run(self):
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        self.refused = mask_queue_refused(connection)
        consume = capture.open_channel(connection)
        publish = connection.channel()
        publish.confirm_delivery()
        stream = None

        def on_chunk(channel, method, properties, body):
            self._save("models", self.chunks, body)
            self.chunks += 1
            frame, manifest, _ = worker_view.decode(body, "model chunk")
            self.chunk_frames.append((manifest, frame["blob"]))
            channel.basic_ack(method.delivery_tag)

        try:
            while not self.stopping:
                consume, stream, method, body = capture.poll_jobs(connection, consume, stream, "securenets.jobs.data",
                                                                  on_chunk)
                if body is not None:
                    self._save("jobs", self.jobs, body)
                    self.jobs += 1
                    _, manifest, _ = worker_view.decode(body, "masked job")
                    self.pending.append((method.delivery_tag, body, manifest))
                connection.process_data_events(time_limit=0.05)
                self._answer(consume, publish)
                if body is None:
                    time.sleep(0.02)
        finally:
            with open(os.path.join(self.directory, "summary.json"), "w") as handle:
                json.dump({"jobs": self.jobs, "answered": self.answered, "model_chunks": self.chunks,
                           "models": sorted(self.models), "mask_queue_refused": self.refused}, handle)
            try:
                connection.close()
            except Exception as error:  # closing a broken connection: nothing left to lose
                print(f"curious worker: closing the connection: {error}", file=sys.stderr)

    def _answer(self, consume, publish):
        waiting = []
        for tag, body, manifest in self.pending:
            weights = self._model_weights(manifest["model_digest"])
            if weights is None:
                waiting.append((tag, body, manifest))
                continue
            frame = worker_view.decode_frame.decode(body)
            (x_hat,) = masked_math.decode_residues(frame["blob"])
            product = masked_math.product(x_hat, weights[manifest["layer"]])
            publish.basic_publish("securenets", "results.data", result_frame(frame, x_hat, product),
                                  properties=pika.BasicProperties(delivery_mode=2), mandatory=True)
            consume.basic_ack(tag)
            self.answered += 1
        self.pending = waiting


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    worker = CuriousDataWorker(sys.argv[1], sys.argv[2])

    def stop(signum, frame):
        worker.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()


if __name__ == "__main__":
    main()
