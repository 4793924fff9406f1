"""Two renderings of one kustomization compared as parsed YAML objects, in any order: every object
one has and the other lacks, and every field whose value differs, named by its path."""

MAX_FIELDS_PER_OBJECT = 5


def _key(document) -> tuple:
    if not isinstance(document, dict):
        return "?", "?", "", repr(document)
    metadata = document.get("metadata") or {}
    return (str(document.get("apiVersion")), str(document.get("kind")), str(metadata.get("namespace") or ""),
            str(metadata.get("name")))


def _describe(key: tuple) -> str:
    api_version, kind, namespace, name = key
    return f"{api_version} {kind} {name}" + (f" in namespace {namespace}" if namespace else "")


def _field_differences(a, b, path: str):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            inner = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                yield inner, a.get(key, "(absent)"), b.get(key, "(absent)")
            else:
                yield from _field_differences(a[key], b[key], inner)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            yield from _field_differences(x, y, f"{path}[{index}]")
    elif a != b or type(a) is not type(b):
        yield path or "(the object)", a, b


def _by_key(documents: list, name: str, problems: list) -> dict:
    keyed = {}
    for document in documents:
        key = _key(document)
        if key in keyed:
            problems.append(f"{_describe(key)}: {name} renders it twice")
        keyed[key] = document
    return keyed


def differences(expected: list, actual: list, expected_name: str, actual_name: str) -> list[str]:
    """One line per difference, sorted; empty when both hold the same objects."""
    problems = []
    left, right = _by_key(expected, expected_name, problems), _by_key(actual, actual_name, problems)
    for key in sorted(set(left) | set(right)):
        if key not in right:
            problems.append(f"{_describe(key)}: {expected_name} renders it, {actual_name} does not")
        elif key not in left:
            problems.append(f"{_describe(key)}: {actual_name} renders it, {expected_name} does not")
        else:
            fields = list(_field_differences(left[key], right[key], ""))
            for path, a, b in fields[:MAX_FIELDS_PER_OBJECT]:
                problems.append(f"{_describe(key)}: {path} is {a!r} in {expected_name}, {b!r} in {actual_name}")
            if len(fields) > MAX_FIELDS_PER_OBJECT:
                problems.append(f"{_describe(key)}: and {len(fields) - MAX_FIELDS_PER_OBJECT} more field(s)")
    return problems
