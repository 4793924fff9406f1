"""A kustomize build: the resources of a kustomization (its bases built first, each completely), then
its transformers in kustomize's order (patches, namespace, prefix, suffix, labels, images), and at the
very end, once, the name references of every kustomization involved."""
from pathlib import Path

import yaml

from . import field_paths, images, json_patch, name_references
from .field_specs import (COMMON_LABELS, METADATA_LABELS, NAME_AFFIX_SKIPPED_KINDS, NAME_REFERENCES, TEMPLATE_LABELS,
                          unimplemented_kind)
from .kustomization import Kustomization, KustomizeError, load
from .resource import Resource


def render(directory: Path) -> list[dict]:
    """The objects `kubectl kustomize directory` renders (in no particular order); raises
    KustomizeError naming the file and the field it cannot render."""
    resources, references = _build(Path(directory).resolve(), ())
    name_references.fix(resources, list(NAME_REFERENCES) + references)
    return [resource.document for resource in resources]


def _documents(path: Path) -> list[Resource]:
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as error:
        raise KustomizeError(f"{path} is not YAML: {error}") from None
    resources = []
    for index, document in enumerate(documents):
        _check_object(document, f"{path} (document {index + 1})")
        resources.append(Resource(document, str(path), document["metadata"]["name"]))
    return resources


def _check_object(document, where: str) -> None:
    """An object with apiVersion, kind and metadata.name, of a kind this renderer implements."""
    if not isinstance(document, dict) or not isinstance(document.get("apiVersion"), str) \
            or not isinstance(document.get("kind"), str):
        raise KustomizeError(f"{where} is not a Kubernetes object (apiVersion and kind)")
    metadata = document.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str) or not metadata["name"]:
        raise KustomizeError(f"{where}: {document['kind']} has no metadata.name")
    reason = unimplemented_kind(document["apiVersion"], document["kind"])
    if reason:
        raise KustomizeError(f"{where}: {reason}")


def _add(resources: list, resource: Resource, kustomization: Kustomization) -> None:
    clash = next((r for r in resources if r.identity() == resource.identity()), None)
    if clash:
        raise KustomizeError(f"{kustomization.path}: {resource.describe()} is already rendered ({clash.describe()})")
    resources.append(resource)


def _unique(resources: list, step: str) -> None:
    seen = {}
    for resource in resources:
        clash = seen.setdefault(resource.identity(), resource)
        if clash is not resource:
            raise KustomizeError(f"{step} makes {clash.describe()} and {resource.describe()} the same object")


def _build(directory: Path, stack: tuple) -> tuple[list, list]:
    if directory in stack:
        raise KustomizeError(f"{directory}: kustomizations include each other ({' -> '.join(map(str, stack))})")
    kustomization = load(directory)
    resources, references = [], list(kustomization.name_references)
    for entry in kustomization.resources:
        path = (directory / entry).resolve()
        if path.is_dir():
            built, built_references = _build(path, stack + (directory,))
            references += built_references
        elif path.is_file():
            built = _documents(path)
        else:
            raise KustomizeError(f"{kustomization.path}: resource {entry}: no such file or directory "
                                 "(remote resources are not implemented)")
        for resource in built:
            _add(resources, resource, kustomization)
    _patch(resources, kustomization)
    _unique(resources, f"{kustomization.path}: patches")
    _set_namespace(resources, kustomization.namespace)
    _unique(resources, f"{kustomization.path}: namespace")
    _add_affixes(resources, kustomization.name_prefix, kustomization.name_suffix)
    _unique(resources, f"{kustomization.path}: namePrefix and nameSuffix")
    for label_set in kustomization.labels:
        _label(resources, label_set)
    for override in kustomization.images:
        for resource in resources:
            images.apply(resource.document, override, resource.describe())
    return resources, references


def _patch(resources: list, kustomization: Kustomization) -> None:
    for index, patch in enumerate(kustomization.patches):
        targets = [r for r in resources if patch.target.matches(r.kind, [r.original_name, r.name])]
        where = f"{kustomization.path}: patches[{index}]"
        if not targets:
            # kustomize ignores such a patch silently; here it is a mistake to report.
            raise KustomizeError(f"{where}: matches no resource (target kind {patch.target.kind or '*'}, "
                                 f"name {patch.target.name or '*'})")
        for target in targets:
            try:
                patched = json_patch.apply(target.document, patch.operations)
            except json_patch.PatchError as error:
                raise KustomizeError(f"{where} on {target.describe()}: {error}") from None
            _check_object(patched, f"{where} on {target.describe()}")
            target.document = patched


def _set_namespace(resources: list, namespace: str) -> None:
    if not namespace:
        return
    for resource in resources:
        if resource.kind == "Namespace":
            if resource.name != namespace:
                resource.rename(namespace)
        elif not resource.cluster_scoped:
            resource.document["metadata"]["namespace"] = namespace


def _add_affixes(resources: list, prefix: str, suffix: str) -> None:
    for resource in resources:
        if resource.kind in NAME_AFFIX_SKIPPED_KINDS:
            continue
        if prefix:
            resource.rename(prefix + resource.name)
        if suffix:
            resource.rename(resource.name + suffix)


def _label(resources: list, label_set) -> None:
    if label_set.include_selectors:
        specs = COMMON_LABELS
    else:
        specs = TEMPLATE_LABELS if label_set.include_templates else (METADATA_LABELS,)
    for resource in resources:
        where = resource.describe()

        def add(mapping: dict, key: str) -> None:
            if not isinstance(mapping[key], dict):
                raise KustomizeError(f"{where}: labels at {key} are not a mapping: {mapping[key]!r}")
            mapping[key].update(label_set.pairs)

        for spec in specs:
            if spec.selects(resource.api_version, resource.kind):
                field_paths.visit(resource.document, spec.path, add, dict if spec.create else None, where)
