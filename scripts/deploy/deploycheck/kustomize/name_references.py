"""The last step of a build: references to objects that a prefix or suffix renamed follow the new
name. As kustomize decides it: the referred object is the one of the reference's kind, in the
referrer's namespace (or cluster-scoped), that once had the name written; several with different
names now are refused (kustomize would then compare their prefixes and suffixes). A name no rendered
object ever had (a Secret applied beside the kustomization, say) stays as written."""
from . import field_paths
from .field_specs import NameReference
from .kustomization import KustomizeError
from .resource import Resource


def _referral(name: str, referrer: Resource, reference: NameReference, resources: list, where: str):
    candidates = [r for r in resources if name in r.previous_names and reference.selects(r.api_version, r.kind)
                  and (referrer.cluster_scoped or r.cluster_scoped or r.same_namespace(referrer))]
    if len({r.name for r in candidates}) > 1:
        # kustomize would go on to compare prefixes and suffixes; not implemented.
        raise KustomizeError(f"{where}: {name!r} could be any of " + ", ".join(r.describe() for r in candidates))
    return candidates[0] if candidates else None


def _update(mapping: dict, key: str, referrer: Resource, reference: NameReference, resources: list,
            where: str) -> None:
    value = mapping[key]
    if isinstance(value, list):
        names = value
    elif isinstance(value, str):
        names = [value]
    else:
        raise KustomizeError(f"{where}: a name reference to a {reference.kind} must be a string or a list of "
                             f"strings (others are not implemented), found {value!r}")
    updated = []
    for name in names:
        if not isinstance(name, str):
            raise KustomizeError(f"{where}: {name!r} is not a name")
        referral = _referral(name, referrer, reference, resources, where)
        updated.append(referral.name if referral else name)
    mapping[key] = updated if isinstance(value, list) else updated[0]


def fix(resources: list, references: list) -> None:
    """Rewrites, in place, every reference of `references` in `resources` to an object renamed since."""
    for referrer in resources:
        for reference in references:
            for spec in reference.field_specs:
                if not spec.selects(referrer.api_version, referrer.kind):
                    continue
                where = f"{referrer.describe()}: {spec.path}"
                field_paths.visit(referrer.document, spec.path,
                                  lambda mapping, key: _update(mapping, key, referrer, reference, resources, where),
                                  where=where)
