#!/usr/bin/env python3
"""Prints the leakage harness's headline for each protection mode: what a curious worker recovered from
one job of the bundled digits model, at the largest job size measured, from the committed results in
docs/privacy/leakage-<mode>.json (written by `make privacy`). Usage: scripts/privacy/headline.py [DIR]"""
import json
import sys
from pathlib import Path

COLUMNS = [("values_exact", "input values exact"), ("pearson", "Pearson r, rebuilt vs true"),
           ("classifier_on_rebuilt", "classifier on rebuilt inputs"), ("replica_accuracy", "model replica accuracy")]


def percent(value):
    return "-" if value is None else f"{100 * value:.1f} %"


def main(directory):
    print(f"{'mode':<9} {'rows':>5}  " + "  ".join(f"{title:>28}" for _, title in COLUMNS))
    for mode in ("masked", "blinded"):
        path = Path(directory) / f"leakage-{mode}.json"
        if not path.exists():
            print(f"{mode:<9} (no measurement: {path} is missing; run make privacy)")
            continue
        runs = [run for run in json.loads(path.read_text())["runs"] if not run.get("cross_job")]
        largest = max(runs, key=lambda run: run["rows"])
        cells = [f"{largest['pearson']:.4f}" if key == "pearson" else percent(largest.get(key)) for key, _ in COLUMNS]
        print(f"{mode:<9} {largest['rows']:>5}  " + "  ".join(f"{cell:>28}" for cell in cells))
    print("chance: 10 % for the classifier (ten digits); masked values are uniform mod 2^31-1 (docs/SECURITY.md)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[2] / "docs" / "privacy"))
