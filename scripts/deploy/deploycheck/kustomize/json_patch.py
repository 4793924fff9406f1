"""JSON Patch (RFC 6902) operations add, remove and replace, on parsed YAML objects; kustomize applies
the same through evanphx/json-patch. The other operations (move, copy, test) are refused."""
import copy

IMPLEMENTED_OPERATIONS = ("add", "remove", "replace")


class PatchError(ValueError):
    pass


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"path {pointer!r} must start with '/'")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _index(container: list, token: str, pointer: str, *, appending: bool) -> int:
    if appending and token == "-":
        return len(container)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise PatchError(f"path {pointer}: {token!r} is not an index of a list")
    index = int(token)
    if index > len(container) or (index == len(container) and not appending):
        raise PatchError(f"path {pointer}: index {index} is out of range (the list has {len(container)} elements)")
    return index


def _parent(document, pointer: str):
    tokens = _tokens(pointer)
    if not tokens:
        raise PatchError("operations on the whole object are not implemented")
    node = document
    for depth, token in enumerate(tokens[:-1]):
        where = "/" + "/".join(tokens[:depth + 1])
        if isinstance(node, dict):
            if token not in node:
                raise PatchError(f"path {pointer}: {where} does not exist")
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, pointer, appending=False)]
        else:
            raise PatchError(f"path {pointer}: {where} is neither a mapping nor a list")
    return node, tokens[-1]


def apply_operation(document, operation: dict):
    """Applies one operation to `document` in place."""
    if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
        raise PatchError(f"{operation!r} is not an operation (op and path)")
    op, pointer = operation["op"], operation["path"]
    unknown = set(operation) - {"op", "path", "value"}
    if op not in IMPLEMENTED_OPERATIONS:
        raise PatchError(f"operation {op!r} is not implemented (only {', '.join(IMPLEMENTED_OPERATIONS)})")
    if unknown:
        raise PatchError(f"operation {op} {pointer}: unexpected field(s) {', '.join(sorted(unknown))}")
    if op != "remove" and "value" not in operation:
        raise PatchError(f"operation {op} {pointer} has no value")
    parent, token = _parent(document, pointer)
    value = copy.deepcopy(operation.get("value"))
    if isinstance(parent, dict):
        if op != "add" and token not in parent:
            raise PatchError(f"{op} {pointer}: {pointer} does not exist")
        if op == "remove":
            del parent[token]
        else:
            parent[token] = value
    elif isinstance(parent, list):
        index = _index(parent, token, pointer, appending=op == "add")
        if op == "add":
            parent.insert(index, value)
        elif op == "remove":
            del parent[index]
        else:
            parent[index] = value
    else:
        raise PatchError(f"{op} {pointer}: the parent is neither a mapping nor a list")


def apply(document, operations: list):
    """A patched copy of `document`; raises PatchError naming the operation that does not apply."""
    patched = copy.deepcopy(document)
    for operation in operations:
        apply_operation(patched, operation)
    return patched
