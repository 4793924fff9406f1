#!/usr/bin/env python3
"""Renders infra/kubernetes's kustomizations in Python, as `kubectl kustomize` does, without kubectl.

  render.py DIRECTORY       print the rendering of one kustomization (YAML, like kubectl kustomize)
  render.py --check         compare every kustomization with kubectl's committed output
                            (scripts/deploy/fixtures/kubectl-kustomize) and with kubectl when on PATH
  render.py --write-fixtures
                            regenerate that committed output with kubectl (kustomize v5 or newer),
                            then check; run it after changing infra/kubernetes and review the diff

The renderer implements only what infra/kubernetes uses and refuses the rest by name
(scripts/deploy/deploycheck/kustomize). Needs PyYAML. Exit 0 when all is well.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    import yaml  # noqa: E402

    from deploycheck import render_fixtures  # noqa: E402
    from deploycheck.kustomize import KustomizeError, render  # noqa: E402
except ModuleNotFoundError as missing:
    sys.exit(f"deploy render: Python module {missing.name} is missing: "
             "python3 -m pip install -r scripts/deploy/requirements.txt")

KUBERNETES = Path(__file__).resolve().parents[2] / "infra" / "kubernetes"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("directory", nargs="?", type=Path, help="a kustomization directory to render")
    action.add_argument("--check", action="store_true", help="compare with kubectl's output (committed and live)")
    action.add_argument("--write-fixtures", action="store_true", help="regenerate kubectl's committed output")
    arguments = parser.parse_args()
    try:
        if arguments.directory:
            yaml.safe_dump_all(render(arguments.directory), sys.stdout, sort_keys=True)
            return 0
        kubectl = render_fixtures.Kubectl.on_path()
        if arguments.write_fixtures:
            if kubectl is None:
                print("deploy render: --write-fixtures needs kubectl (1.27 or newer) on PATH", file=sys.stderr)
                return 1
            for path in render_fixtures.write(KUBERNETES, kubectl):
                print(f"deploy render: wrote {path}")
        problems, summary = render_fixtures.check(KUBERNETES, kubectl)
    except KustomizeError as error:
        print(f"deploy render: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"FAIL {problem}")
    print(summary)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
