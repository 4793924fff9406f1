#!/usr/bin/env python3
"""Compares SecureNets outputs with plaintext `securenets infer` outputs, job by job.

Reads tab-separated lines on stdin:
    job_id rows batch_size outputs.npy labels.npy plaintext.npy plaintext-labels.npy
and writes one tab-separated line per job on stdout:
    job_id bad_batches label_mismatches max_abs_diff min_top2_margin
where bad_batches is a comma-separated list of batches with a missing or non-finite output row ("-"
if none), label_mismatches counts rows whose label differs from plaintext (or "NA" when the files
are missing), max_abs_diff is the largest |p - p_plaintext| over all entries, and min_top2_margin
is the smallest gap between the two largest plaintext probabilities of a row: a label can only flip
between two honest runs whose probabilities differ by at most t where that gap is below 2t.

Used by scripts/chaos.sh and scripts/load.sh (scripts/lib/reliability.sh); numpy only.
"""
import argparse
import math
import sys

import numpy as np


def compare(rows, batch_size, outputs, labels, plain, plain_labels):
    batches = math.ceil(rows / batch_size)
    reference = np.load(plain)
    reference_labels = np.load(plain_labels).reshape(-1)
    sorted_reference = np.sort(reference, axis=1)
    margin = float(np.min(sorted_reference[:, -1] - sorted_reference[:, -2]))
    try:
        out = np.load(outputs)
        out_labels = np.load(labels).reshape(-1)
    except (OSError, ValueError):
        return ",".join(str(b) for b in range(batches)), "NA", "NA", margin
    bad = set()
    if out.ndim != 2 or out.shape[1] != reference.shape[1]:
        return ",".join(str(b) for b in range(batches)), "NA", "NA", margin
    present = min(out.shape[0], rows)
    finite = np.isfinite(out[:present]).all(axis=1)
    for row in np.nonzero(~finite)[0]:
        bad.add(int(row) // batch_size)
    for row in range(present, rows):
        bad.add(row // batch_size)
    ok = np.nonzero(finite)[0]
    diff = float(np.max(np.abs(out[ok] - reference[ok]))) if ok.size else float("nan")
    n = min(out_labels.shape[0], reference_labels.shape[0])
    mismatches = int(np.sum(out_labels[:n] != reference_labels[:n])) + abs(rows - n)
    bad_text = ",".join(str(b) for b in sorted(bad)) or "-"
    return bad_text, mismatches, f"{diff:.3e}", margin


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tolerance", type=float, default=1e-4, help="reported only; the caller decides")
    parser.parse_args()
    for line in sys.stdin:
        fields = line.rstrip("\n").split("\t")
        if len(fields) != 7:
            continue
        job, rows, batch_size, outputs, labels, plain, plain_labels = fields
        bad, mismatches, diff, margin = compare(int(rows), int(batch_size), outputs, labels, plain, plain_labels)
        print(f"{job}\t{bad}\t{mismatches}\t{diff}\t{margin:.3e}")


if __name__ == "__main__":
    main()
