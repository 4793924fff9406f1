"""One kustomization file, read and checked: every field this renderer implements, typed; any other
field refused by name, so that a later edit cannot render silently wrong."""
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .field_specs import FieldSpec, NameReference

FILE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class KustomizeError(Exception):
    """A kustomization this renderer cannot render; the message names the file and the field."""


@dataclass(frozen=True)
class LabelSet:
    pairs: dict
    include_selectors: bool = False
    include_templates: bool = False


@dataclass(frozen=True)
class ImageOverride:
    name: str
    new_name: str = ""
    new_tag: str = ""


@dataclass(frozen=True)
class PatchTarget:
    """Anchored regular expressions, as kustomize's selectors are; empty matches anything."""

    kind: str = ""
    name: str = ""

    def matches(self, kind: str, names: list[str]) -> bool:
        return ((not self.kind or re.fullmatch(self.kind, kind) is not None)
                and (not self.name or any(re.fullmatch(self.name, name) for name in names)))


@dataclass(frozen=True)
class Patch:
    target: PatchTarget
    operations: list


@dataclass
class Kustomization:
    path: Path
    resources: list = field(default_factory=list)
    namespace: str = ""
    name_prefix: str = ""
    name_suffix: str = ""
    labels: list = field(default_factory=list)
    images: list = field(default_factory=list)
    patches: list = field(default_factory=list)
    name_references: list = field(default_factory=list)

    @property
    def directory(self) -> Path:
        return self.path.parent


FIELDS = ("apiVersion", "kind", "resources", "namespace", "namePrefix", "nameSuffix", "labels", "images",
          "patches", "configurations")


def _refuse_unknown(mapping: dict, known: tuple, where: str) -> None:
    unknown = [key for key in mapping if key not in known]
    if unknown:
        raise KustomizeError(f"{where}: {', '.join(map(str, unknown))} not implemented by this kustomize renderer "
                             f"(it implements {', '.join(known)}; scripts/deploy/deploycheck/kustomize)")


def _typed(value, expected: type, where: str):
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise KustomizeError(f"{where}: expected {expected.__name__}, found {value!r}"
                             + (" (quote it)" if expected is str and value is not None else ""))
    return value


def _mapping(value, where: str) -> dict:
    return _typed(value, dict, where)


def _strings(value, where: str) -> list:
    return [_typed(item, str, f"{where}[{i}]") for i, item in enumerate(_typed(value, list, where))]


def find(directory: Path) -> Path:
    """The kustomization file of `directory`; raises if it has none or several."""
    found = [directory / name for name in FILE_NAMES if (directory / name).is_file()]
    if not found:
        raise KustomizeError(f"{directory}: no {', '.join(FILE_NAMES)}")
    if len(found) > 1:
        raise KustomizeError(f"{directory}: several kustomization files ({', '.join(p.name for p in found)})")
    return found[0]


def _labels(value, where: str) -> list:
    sets = []
    for i, entry in enumerate(_typed(value, list, where)):
        here = f"{where}[{i}]"
        _refuse_unknown(_mapping(entry, here), ("pairs", "includeSelectors", "includeTemplates"), here)
        pairs = _mapping(entry.get("pairs", {}), f"{here}.pairs")
        for key, label in pairs.items():
            _typed(key, str, f"{here}.pairs key")
            _typed(label, str, f"{here}.pairs.{key}")
        sets.append(LabelSet(dict(pairs),
                             _typed(entry.get("includeSelectors", False), bool, f"{here}.includeSelectors"),
                             _typed(entry.get("includeTemplates", False), bool, f"{here}.includeTemplates")))
    return sets


def _images(value, where: str) -> list:
    overrides = []
    for i, entry in enumerate(_typed(value, list, where)):
        here = f"{where}[{i}]"
        _refuse_unknown(_mapping(entry, here), ("name", "newName", "newTag"), here)
        if "name" not in entry:
            raise KustomizeError(f"{here}: no name")
        overrides.append(ImageOverride(_typed(entry["name"], str, f"{here}.name"),
                                       _typed(entry.get("newName", ""), str, f"{here}.newName"),
                                       _typed(entry.get("newTag", ""), str, f"{here}.newTag")))
    return overrides


def _patches(value, where: str) -> list:
    patches = []
    for i, entry in enumerate(_typed(value, list, where)):
        here = f"{where}[{i}]"
        _refuse_unknown(_mapping(entry, here), ("target", "patch"), here)
        if "target" not in entry or "patch" not in entry:
            raise KustomizeError(f"{here}: needs both target and patch (an inline JSON 6902 patch)")
        target = _mapping(entry["target"], f"{here}.target")
        _refuse_unknown(target, ("kind", "name"), f"{here}.target")
        text = _typed(entry["patch"], str, f"{here}.patch")
        try:
            operations = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise KustomizeError(f"{here}.patch is not YAML: {error}") from None
        if not isinstance(operations, list):
            raise KustomizeError(f"{here}.patch is not a list of JSON 6902 operations (strategic-merge patches "
                                 "are not implemented by this kustomize renderer)")
        patches.append(Patch(PatchTarget(_typed(target.get("kind", ""), str, f"{here}.target.kind"),
                                         _typed(target.get("name", ""), str, f"{here}.target.name")), operations))
    return patches


def _field_spec(entry, where: str) -> FieldSpec:
    _refuse_unknown(_mapping(entry, where), ("path", "kind", "group", "version"), where)
    if "path" not in entry:
        raise KustomizeError(f"{where}: no path")
    return FieldSpec(_typed(entry["path"], str, f"{where}.path"), _typed(entry.get("kind", ""), str, f"{where}.kind"),
                     _typed(entry.get("group", ""), str, f"{where}.group"),
                     _typed(entry.get("version", ""), str, f"{where}.version"))


def _configuration(path: Path) -> list:
    """The nameReference entries of a `configurations:` file (its only part implemented)."""
    where = str(path)
    if not path.is_file():
        raise KustomizeError(f"{where}: no such file")
    data = _mapping(yaml.safe_load(path.read_text()) or {}, where)
    _refuse_unknown(data, ("nameReference",), where)
    references = []
    for i, entry in enumerate(_typed(data.get("nameReference", []), list, f"{where}: nameReference")):
        here = f"{where}: nameReference[{i}]"
        _refuse_unknown(_mapping(entry, here), ("kind", "group", "version", "fieldSpecs"), here)
        if "kind" not in entry:
            raise KustomizeError(f"{here}: no kind")
        specs = tuple(_field_spec(spec, f"{here}.fieldSpecs[{j}]")
                      for j, spec in enumerate(_typed(entry.get("fieldSpecs", []), list, f"{here}.fieldSpecs")))
        references.append(NameReference(_typed(entry["kind"], str, f"{here}.kind"), specs,
                                        _typed(entry.get("group", ""), str, f"{here}.group"),
                                        _typed(entry.get("version", ""), str, f"{here}.version")))
    return references


def load(directory: Path) -> Kustomization:
    """Reads and checks the kustomization of `directory`; raises KustomizeError naming what it refuses."""
    path = find(directory)
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise KustomizeError(f"{where} is not YAML: {error}") from None
    _mapping(data, where)
    _refuse_unknown(data, FIELDS, where)
    if data.get("apiVersion", "kustomize.config.k8s.io/v1beta1") != "kustomize.config.k8s.io/v1beta1" \
            or data.get("kind", "Kustomization") != "Kustomization":
        raise KustomizeError(f"{where}: only apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization is "
                             f"implemented, not {data.get('apiVersion')} {data.get('kind')}")
    return Kustomization(
        path=path,
        resources=_strings(data.get("resources", []), f"{where}: resources"),
        namespace=_typed(data.get("namespace", ""), str, f"{where}: namespace"),
        name_prefix=_typed(data.get("namePrefix", ""), str, f"{where}: namePrefix"),
        name_suffix=_typed(data.get("nameSuffix", ""), str, f"{where}: nameSuffix"),
        labels=_labels(data.get("labels", []), f"{where}: labels"),
        images=_images(data.get("images", []), f"{where}: images"),
        patches=_patches(data.get("patches", []), f"{where}: patches"),
        name_references=[reference for file in _strings(data.get("configurations", []), f"{where}: configurations")
                         for reference in _configuration(path.parent / file)],
    )
