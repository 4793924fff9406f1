"""The images transformer: an image reference whose name is the override's name gets the override's
newName and newTag (a new tag drops the digest), in every element of any `containers` or
`initContainers` list anywhere in an object, then in the image fields of field_specs.IMAGE_FIELDS."""
import re

from . import field_paths
from .field_specs import IMAGE_FIELDS
from .kustomization import ImageOverride, KustomizeError

_TAG_CHARACTERS = r"[a-zA-Z0-9_.{}-]"


def matches(reference: str, name: str) -> bool:
    """kustomize's test: `name` (a regular expression, as kustomize uses it), then an optional tag and
    an optional sha256 digest."""
    return re.match(f"^{name}(:{_TAG_CHARACTERS}*)?(@sha256:{_TAG_CHARACTERS}*)?\\Z", reference) is not None


def split(reference: str) -> tuple[str, str, str]:
    """(name, tag, digest) of [[host[:port]/]path/]name[:tag][@digest]; a registry's port is not a tag."""
    slash = reference.find("/")
    offset = slash if slash > 0 else 0
    rest = reference[offset:]
    at, colon = rest.find("@"), rest.find(":")
    if at < 0 and colon < 0:
        return reference, "", ""
    if at >= 0 and (colon < 0 or at < colon):
        return reference[:offset + at], "", reference[offset + at + 1:]
    if at >= 0:
        return reference[:offset + colon], reference[offset + colon + 1:offset + at], reference[offset + at + 1:]
    return reference[:offset + colon], reference[offset + colon + 1:], ""


def rewrite(reference: str, override: ImageOverride) -> str:
    if not matches(reference, override.name):
        return reference
    name, tag, digest = split(reference)
    if override.new_name:
        name = override.new_name
    if override.new_tag:
        tag, digest = override.new_tag, ""
    return name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def _rewrite_field(mapping: dict, key: str, override: ImageOverride, where: str) -> None:
    if not isinstance(mapping[key], str):
        raise KustomizeError(f"{where}: image {mapping[key]!r} is not a string")
    mapping[key] = rewrite(mapping[key], override)


def _containers(node, override: ImageOverride, where: str) -> None:
    if isinstance(node, list):
        for element in node:
            _containers(element, override, where)
    elif isinstance(node, dict):
        for key, value in node.items():
            _containers(value, override, where)
            if key in ("containers", "initContainers") and isinstance(value, list):
                for container in value:
                    if isinstance(container, dict) and container.get("image") is not None:
                        _rewrite_field(container, "image", override, where)


def apply(document: dict, override: ImageOverride, where: str) -> None:
    """Rewrites the matching image references of `document` in place."""
    _containers(document, override, where)
    for spec in IMAGE_FIELDS:
        field_paths.visit(document, spec.path, lambda mapping, key: _rewrite_field(mapping, key, override, where),
                          where=where)
