"""Walking a field spec's path through an object as kustomize does: a list met on the way is entered
element by element with the rest of the path; missing (or null) fields end the walk, unless the spec
creates them."""
from typing import Callable

from .kustomization import KustomizeError


def split(path: str) -> list[str]:
    """"a/b[]/c" -> ["a", "b", "c"]; "\\/" is a slash inside a field name (annotation keys)."""
    parts = [part.replace("\0", "/") for part in path.replace("\\/", "\0").split("/")]
    parts = [part.removesuffix("[]") for part in parts]
    for part in parts:
        if not part or "[" in part or "]" in part:
            raise KustomizeError(f"field path {path!r}: {part!r} is not a plain field name (not implemented)")
    return parts


def visit(node, path: str, on_field: Callable[[dict, str], None], create: Callable[[], object] | None = None,
          where: str = "") -> None:
    """Calls on_field(mapping, key) for every field `path` reaches in `node`. With `create`, missing
    fields are made: mappings on the way, create() at the end."""
    _visit(node, split(path), on_field, create, path, where)


def _visit(node, parts, on_field, create, path, where):
    if isinstance(node, list):
        for element in node:
            _visit(element, parts, on_field, create, path, where)
        return
    if not isinstance(node, dict):
        raise KustomizeError(f"{where}: field path {path}: expected a mapping or a list before {parts[0]!r}, "
                             f"found {node!r}")
    key, rest = parts[0], parts[1:]
    if node.get(key) is None:
        if create is None:
            return
        node[key] = create() if not rest else {}
    if rest:
        _visit(node[key], rest, on_field, create, path, where)
    else:
        on_field(node, key)
