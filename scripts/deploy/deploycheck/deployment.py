"""The deployment files, loaded: each kustomize directory rendered (by the Python renderer in
deploycheck/kustomize, which render_fixtures holds against `kubectl kustomize`), its secret templates,
the compose file and the scripts beside it. Checks read this model, never the files, so that the
self-check can run them on broken copies."""
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import kustomize

# The kustomize directories that are deployed (workers/base only through the overlays).
KUSTOMIZATIONS = ("control", "workers/blinded", "workers/data", "workers/mask")
TEMPLATE = "secrets.template.yaml"


class RenderError(Exception):
    pass


@dataclass
class Bundle:
    """One kustomize directory: what it renders, and the templates applied beside it."""

    name: str
    directory: Path
    documents: list
    templates: list
    kustomization: dict


@dataclass
class Compose:
    path: Path
    data: dict
    # Variables infra/compose/new-env writes into .env.
    env_variables: list = field(default_factory=list)


@dataclass
class Deployment:
    repo: Path
    infra: Path
    bundles: dict
    compose: Compose
    dockerfile: str
    runtime_packages: list


def render(directory: Path) -> list:
    try:
        return kustomize.render(directory)
    except kustomize.KustomizeError as error:
        raise RenderError(str(error)) from None


def documents(path: Path) -> list:
    return [document for document in yaml.safe_load_all(path.read_text()) if document] if path.exists() else []


def new_env_variables(script: Path) -> list:
    """The names in new-env's `for name in ...; do` list (with line continuations)."""
    text = script.read_text().replace("\\\n", " ")
    match = re.search(r"for name in ([^;]+);", text)
    return match.group(1).split() if match else []


def load(repo: Path, infra: Path | None = None) -> Deployment:
    """Loads the files under `infra` (default repo/infra); raises RenderError if a directory does not render."""
    infra = infra or repo / "infra"
    bundles = {}
    for name in KUSTOMIZATIONS:
        directory = infra / "kubernetes" / name
        bundles[name] = Bundle(name, directory, render(directory), documents(directory / TEMPLATE),
                               yaml.safe_load((directory / "kustomization.yaml").read_text()))
    compose_path = infra / "compose" / "compose.yaml"
    compose = Compose(compose_path, yaml.safe_load(compose_path.read_text()),
                      new_env_variables(infra / "compose" / "new-env"))
    packages = [line.split("#")[0].strip() for line in (infra / "container" / "runtime-packages.txt").read_text().splitlines()]
    return Deployment(repo, infra, bundles, compose, (infra / "container" / "Dockerfile").read_text(),
                      [package for package in packages if package])
