"""The Python renderer held against `kubectl kustomize`, for every kustomization under infra/kubernetes:
always against kubectl's output committed in scripts/deploy/fixtures/kubectl-kustomize/<directory>.yaml
(so the comparison runs where no kubectl is installed), and against kubectl itself when one with
kustomize v5 is on PATH. After changing infra/kubernetes, regenerate the fixtures on a machine with
kubectl (1.27 or newer) and review their diff: python3 scripts/deploy/render.py --write-fixtures"""
import json
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from . import render_comparison
from .kustomize import KustomizeError, render
from .kustomize.kustomization import FILE_NAMES

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "scripts" / "deploy" / "fixtures" / "kubectl-kustomize"
REGENERATE = "python3 scripts/deploy/render.py --write-fixtures"
# kustomize v5 (kubectl 1.27+) is what the renderer follows: older ones render `labels:` differently.
OLDEST_KUSTOMIZE = (5, 0)


class Kubectl:
    """A kubectl on PATH, with its version."""

    def __init__(self, path: str):
        self.path = path
        result = subprocess.run([path, "version", "--client", "-o", "json"], capture_output=True, text=True,
                                timeout=60)
        try:
            versions = json.loads(result.stdout)
        except json.JSONDecodeError:
            versions = {}
        self.version = versions.get("clientVersion", {}).get("gitVersion", "(unknown version)")
        self.kustomize_version = versions.get("kustomizeVersion", "(unknown)")

    @classmethod
    def on_path(cls) -> "Kubectl | None":
        path = shutil.which("kubectl")
        return cls(path) if path else None

    @property
    def recent_enough(self) -> bool:
        match = re.match(r"v(\d+)\.(\d+)", self.kustomize_version)
        return bool(match) and (int(match[1]), int(match[2])) >= OLDEST_KUSTOMIZE

    def describe(self) -> str:
        return f"kubectl {self.version} (kustomize {self.kustomize_version})"

    def kustomize(self, directory: Path) -> str:
        result = subprocess.run([self.path, "kustomize", str(directory)], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise KustomizeError(f"kubectl kustomize {directory} failed: {result.stderr.strip()}")
        return result.stdout


def kustomizations(kubernetes: Path) -> list[str]:
    """Every directory under `kubernetes` holding a kustomization, relative, sorted."""
    found = {path.parent.relative_to(kubernetes).as_posix() for name in FILE_NAMES for path in kubernetes.rglob(name)}
    return sorted(found)


def fixture(name: str) -> Path:
    return FIXTURES / f"{name}.yaml"


def _documents(text: str) -> list:
    return [document for document in yaml.safe_load_all(text) if document]


def write(kubernetes: Path, kubectl: Kubectl) -> list[Path]:
    """Writes kubectl's rendering of every kustomization as its fixture and removes fixtures of
    kustomizations that are gone; returns the files written."""
    if not kubectl.recent_enough:
        raise KustomizeError(f"{kubectl.describe()} is too old to write the fixtures: kustomize v5 or newer needed")
    names = kustomizations(kubernetes)
    written = []
    for name in names:
        path = fixture(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        relative = f"{kubernetes.parent.name}/{kubernetes.name}/{name}"
        path.write_text(f"# kubectl kustomize {relative}, rendered by {kubectl.describe()}.\n"
                        f"# Written by `{REGENERATE}`; do not edit by hand.\n" + kubectl.kustomize(kubernetes / name))
        written.append(path)
    for stale in FIXTURES.rglob("*.yaml"):
        if stale.relative_to(FIXTURES).with_suffix("").as_posix() not in names:
            stale.unlink()
    return written


def check(kubernetes: Path, kubectl: Kubectl | None) -> tuple[list[str], str]:
    """(problems, a one-line summary): the Python rendering of every kustomization against its fixture,
    and against `kubectl` when given and recent enough."""
    names = kustomizations(kubernetes)
    problems = []
    live = kubectl if kubectl and kubectl.recent_enough else None
    for name in names:
        try:
            rendered = render(kubernetes / name)
        except KustomizeError as error:
            problems.append(f"renderer: {name}: {error}")
            continue
        path = fixture(name)
        shown = path.relative_to(REPO)
        if not path.is_file():
            problems.append(f"renderer: {name}: no committed kubectl output {shown}: write it with {REGENERATE}")
        else:
            differences = render_comparison.differences(_documents(path.read_text()), rendered,
                                                        "the committed kubectl output", "the Python renderer")
            problems += [f"renderer: {name}: {difference}" for difference in differences]
            if differences:
                problems.append(f"renderer: {name}: if infra/kubernetes/{name} changed, regenerate {shown} with "
                                f"{REGENERATE} (needs kubectl) and review its diff; otherwise the renderer is wrong")
        if live:
            differences = render_comparison.differences(_documents(live.kustomize(kubernetes / name)), rendered,
                                                        live.describe(), "the Python renderer")
            problems += [f"renderer: {name}: {difference}" for difference in differences]
    for path in sorted(FIXTURES.rglob("*.yaml")):
        name = path.relative_to(FIXTURES).with_suffix("").as_posix()
        if name not in names:
            problems.append(f"renderer: fixture {path.name} belongs to no kustomization ({name}): {REGENERATE}")
    if live:
        against = f"and with {live.describe()} on this machine"
    elif kubectl:
        against = f"({kubectl.describe()} on this machine is older than kustomize v5: not compared)"
    else:
        against = "(no kubectl on this machine)"
    summary = (f"renderer: {len(names)} kustomizations rendered in Python, compared with kubectl's committed output "
               f"{against}: {len(problems)} problem(s)")
    return problems, summary
