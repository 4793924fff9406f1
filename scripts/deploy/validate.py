#!/usr/bin/env python3
"""Validates the deployment files under infra/ without a cluster or a container engine.

- Kubernetes (infra/kubernetes): renders each kustomize directory with the Python renderer in
  deploycheck/kustomize (no kubectl needed) and holds that renderer against `kubectl kustomize`: its
  committed output (scripts/deploy/fixtures/kubectl-kustomize) always, kubectl itself when on PATH
  (regenerate the fixtures after changing infra/kubernetes: scripts/deploy/render.py --write-fixtures);
  checks the built-in kinds against the Kubernetes schemas of kubernetes-validate (strict) and the
  operators' kinds (KEDA, RabbitMQ, CloudNativePG) against the subset schemas in
  infra/kubernetes/schemas; then every container's command line against the real binaries' --help, its
  variables against those the binaries read, every Secret/ConfigMap/object reference, TLS in every URL,
  the worker pools (flag, queue, broker user), and that secret templates hold placeholders only.
- Compose (infra/compose/compose.yaml): the same for its services, its variables against new-env, and
  its services, volumes and files.
- Broker permissions: Kubernetes and compose grant exactly what infra/local/rabbitmq grants.
- Container (infra/container/Dockerfile): stages, static Swift runtime, the runtime package list.
Then a self-check: deliberately broken copies must each be rejected (deploycheck/breakages.py).
Needs: the packages of scripts/deploy/requirements.txt and built binaries (swift build); not kubectl.
scripts/deploy/ci.sh (make test) installs the packages in a virtual environment and runs this.
Exit 0 when everything passes.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    from deploycheck import breakages, checks, environment_names, render_fixtures  # noqa: E402
    from deploycheck.command_line import CommandLine  # noqa: E402
    from deploycheck.deployment import RenderError, load  # noqa: E402
    from deploycheck.schemas import SchemaValidator  # noqa: E402
except ModuleNotFoundError as missing:
    sys.exit(f"deploy validate: Python module {missing.name} is missing: "
             "python3 -m pip install -r scripts/deploy/requirements.txt")

REPO = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", type=Path, default=REPO / ".build/debug",
                        help="where securenets, securenets-worker and securenets-verifier are (default .build/debug)")
    parser.add_argument("--kubernetes-versions", default="1.30,1.37",
                        help="Kubernetes versions whose schemas every object must satisfy (default 1.30,1.37)")
    parser.add_argument("--no-self-check", action="store_true", help="skip the broken-copy self-check")
    parser.add_argument("-v", "--verbose", action="store_true", help="print what each broken copy was rejected for")
    arguments = parser.parse_args()

    try:
        cli = CommandLine(arguments.bin_dir)
        deployment = load(REPO)
    except (FileNotFoundError, RuntimeError, RenderError) as error:
        print(f"deploy validate: {error}", file=sys.stderr)
        return 1
    versions = arguments.kubernetes_versions.split(",")
    schemas = SchemaValidator(versions, REPO / "infra/kubernetes/schemas")
    names = environment_names.known(REPO, cli.environment_names)

    def run_checks(target):
        return checks.run(target, schemas, cli, names)

    # The renderer that produced `deployment`, held against kubectl's output (committed, and live if any).
    render_problems, render_summary = render_fixtures.check(REPO / "infra/kubernetes",
                                                            render_fixtures.Kubectl.on_path())
    for problem in render_problems:
        print(f"FAIL {problem}")
    print(f"deploy validate: {render_summary}")

    problems = run_checks(deployment)
    for problem in problems:
        print(f"FAIL {problem}")
    objects = sum(len(b.documents) + len(b.templates) for b in deployment.bundles.values())
    print(f"deploy validate: {objects} Kubernetes objects in {len(deployment.bundles)} kustomizations "
          f"(Kubernetes {' and '.join(versions)}), {len(deployment.compose.data.get('services', {}))} compose services, "
          f"the Dockerfile: {len(problems)} problem(s)")

    failures = 0
    if not arguments.no_self_check:
        results = breakages.run(deployment, run_checks)
        for name, caught in results:
            if caught is None:
                failures += 1
                print(f"FAIL self-check: a broken copy passed: {name}")
            elif arguments.verbose:
                print(f"  rejected: {name}\n      with: {caught}")
        print(f"deploy validate: self-check: {len(results) - failures} of {len(results)} broken copies rejected")
    return 1 if render_problems or problems or failures else 0


if __name__ == "__main__":
    sys.exit(main())
