"""Kubernetes objects checked against schemas: the built-in kinds against the Kubernetes OpenAPI schemas
that the kubernetes-validate package ships (strict: unknown fields are errors), the operators' kinds
against the subset schemas in infra/kubernetes/schemas (their README says what those cover)."""
import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml
from referencing import Registry, Resource

KUBERNETES_DEFINITIONS = "https://kubernetes.io/api/_definitions.json"
_SUBSET_BASE = "https://securenets.invalid/schemas/"


def _kubernetes_schema_dir(version: str) -> Path:
    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    directory = base / f"v{version}.0-local-strict"
    if not directory.is_dir():
        available = sorted(p.name for p in base.iterdir() if p.name.endswith("-local-strict"))
        raise FileNotFoundError(f"kubernetes-validate has no schemas for Kubernetes {version} ({', '.join(available)})")
    return directory


@lru_cache(maxsize=None)
def _definitions(version: str) -> Resource:
    return Resource.from_contents(json.loads((_kubernetes_schema_dir(version) / "_definitions.json").read_text()))


class SchemaValidator:
    """Validates one object against every Kubernetes version in `versions` (e.g. the oldest and the newest
    a deployment should run on)."""

    def __init__(self, versions: list[str], subset_dir: Path):
        self.versions = versions
        self.subsets: dict[tuple, dict] = {}
        resources = []
        for path in sorted(subset_dir.glob("*.schema.yaml")):
            schema = yaml.safe_load(path.read_text())
            schema["$id"] = _SUBSET_BASE + path.name
            group_version, kind = self._subset_key(path.name)
            self.subsets[(group_version, kind)] = schema
            resources.append((schema["$id"], Resource.from_contents(schema)))
        self._subset_resources = resources
        self._validators: dict[tuple, jsonschema.protocols.Validator] = {}

    @staticmethod
    def _subset_key(file_name: str) -> tuple:
        # <group>_<version>_<Kind>.schema.yaml, e.g. keda.sh_v1alpha1_ScaledObject.schema.yaml
        group, version, kind = file_name.removesuffix(".schema.yaml").split("_")
        return f"{group}/{version}", kind

    def _validator(self, version: str, key: tuple) -> jsonschema.protocols.Validator:
        if (version, key) not in self._validators:
            registry = Registry().with_resource(KUBERNETES_DEFINITIONS, _definitions(version))
            registry = registry.with_resources(self._subset_resources)
            if key in self.subsets:
                schema = self.subsets[key]
            else:
                api_version, kind = key
                # As kubernetes-validate names its files: rbac.authorization.k8s.io/v1 -> rbac-v1.
                group_version = re.sub(r"^([^./]*)(?:[.][^/]*)?/", r"\1-", api_version)
                file = f"{kind.lower()}-{group_version}.json"
                path = _kubernetes_schema_dir(version) / file
                if not path.is_file():
                    raise LookupError(f"no schema for {api_version} {kind}: neither Kubernetes {version} has it nor "
                                      "infra/kubernetes/schemas")
                schema = json.loads(path.read_text())
            self._validators[(version, key)] = jsonschema.Draft202012Validator(schema, registry=registry)
        return self._validators[(version, key)]

    def problems(self, document: dict) -> list[str]:
        """Every schema error of `document`, each naming the field path and the Kubernetes version."""
        if not isinstance(document, dict) or "apiVersion" not in document or "kind" not in document:
            return ["not a Kubernetes object (no apiVersion and kind)"]
        key = (document["apiVersion"], document["kind"])
        found = []
        for version in self.versions:
            try:
                validator = self._validator(version, key)
            except LookupError as error:
                return [str(error)]
            source = "infra/kubernetes/schemas" if key in self.subsets else f"Kubernetes {version}"
            for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
                path = ".".join(str(part) for part in error.absolute_path) or "(top)"
                message = f"{path}: {error.message} ({source} schema)"
                if message not in found:
                    found.append(message)
        return found
