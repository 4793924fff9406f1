"""Installs the harness's Python packages when they are missing, so a fresh machine runs it.

The harness is an analysis tool, never on the product's runtime path (docs/PRIVACY-HARNESS.md).
"""

import importlib
import subprocess
import sys

# import name -> PyPI name
PACKAGES = {"numpy": "numpy", "scipy": "scipy", "sklearn": "scikit-learn", "pika": "pika", "onnx": "onnx",
            "cryptography": "cryptography"}


def ensure(names=tuple(PACKAGES)):
    """Imports each module in `names`, pip-installing the missing ones once; raises if pip fails."""
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(PACKAGES[name])
    if missing:
        print(f"privacy: installing {' '.join(missing)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
        importlib.invalidate_caches()
