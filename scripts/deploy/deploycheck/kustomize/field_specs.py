"""Where kustomize's transformers write, for which kinds: its built-in field specs (kustomize v5,
api/internal/konfig/builtinpluginconsts), restricted to the kinds this renderer implements, and the rule
that refuses every other kind kustomize treats specially."""
from dataclasses import dataclass, field


def split_api_version(api_version: str) -> tuple[str, str]:
    """("apps", "v1") for "apps/v1", ("", "v1") for the core group's "v1"."""
    group, _, version = api_version.rpartition("/")
    return group, version


@dataclass(frozen=True)
class FieldSpec:
    """A path (slash-separated; lists on the way are entered element by element) in the objects of the
    kinds it selects (an empty group, version or kind selects any); `create` makes missing fields."""

    path: str
    kind: str = ""
    group: str = ""
    version: str = ""
    create: bool = False

    def selects(self, api_version: str, kind: str) -> bool:
        group, version = split_api_version(api_version)
        return ((not self.kind or self.kind == kind) and (not self.group or self.group == group)
                and (not self.version or self.version == version))


@dataclass(frozen=True)
class NameReference:
    """Objects of kind `kind` (and group/version, when given) are referred to by name at `field_specs`;
    when a prefix or suffix renames such an object, those references follow."""

    kind: str
    field_specs: tuple = field(default_factory=tuple)
    group: str = ""
    version: str = ""

    def selects(self, api_version: str, kind: str) -> bool:
        return FieldSpec("", self.kind, self.group, self.version).selects(api_version, kind)


METADATA_LABELS = FieldSpec("metadata/labels", create=True)

# labels with includeTemplates (kustomize's templateLabels): the pod template's labels.
TEMPLATE_LABELS = (
    METADATA_LABELS,
    FieldSpec("spec/template/metadata/labels", kind="Deployment", create=True),
)

# labels with includeSelectors (kustomize's commonLabels): the templates, the selector, and the label
# selectors of affinity terms and spread constraints where they exist.
COMMON_LABELS = TEMPLATE_LABELS + (
    FieldSpec("spec/selector/matchLabels", kind="Deployment", create=True),
    *(FieldSpec(f"spec/template/spec/affinity/{affinity}/labelSelector/matchLabels", kind="Deployment",
                group="apps")
      for affinity in ("podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm",
                       "podAffinity/requiredDuringSchedulingIgnoredDuringExecution",
                       "podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm",
                       "podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution")),
    FieldSpec("spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels", kind="Deployment",
              group="apps"),
)

# The image transformer rewrites the `image` of every element of any `containers` or `initContainers`
# list anywhere in an object, then these fields where they exist.
IMAGE_FIELDS = tuple(FieldSpec(path) for path in (
    "spec/containers/image", "spec/initContainers/image", "spec/volumes/image/reference",
    "spec/template/spec/containers/image", "spec/template/spec/initContainers/image",
    "spec/template/spec/volumes/image/reference"))


def _pod_template_references(*paths: str) -> tuple:
    return tuple(FieldSpec(f"spec/template/spec/{path}", kind="Deployment") for path in paths)


NAME_REFERENCES = (
    NameReference("ConfigMap", version="v1", field_specs=_pod_template_references(
        "volumes/configMap/name",
        "containers/env/valueFrom/configMapKeyRef/name", "initContainers/env/valueFrom/configMapKeyRef/name",
        "containers/envFrom/configMapRef/name", "initContainers/envFrom/configMapRef/name",
        "volumes/projected/sources/configMap/name")),
    NameReference("Secret", version="v1", field_specs=_pod_template_references(
        "volumes/secret/secretName",
        "containers/env/valueFrom/secretKeyRef/name", "initContainers/env/valueFrom/secretKeyRef/name",
        "containers/envFrom/secretRef/name", "initContainers/envFrom/secretRef/name",
        "imagePullSecrets/name", "volumes/projected/sources/secret/name")),
)

# Cluster-scoped among the implemented kinds: no metadata.namespace; the namespace transformer renames it
# instead. Namespaces also keep their name under namePrefix and nameSuffix.
CLUSTER_SCOPED_KINDS = frozenset({"Namespace"})
NAME_AFFIX_SKIPPED_KINDS = frozenset({"Namespace"})

IMPLEMENTED_BUILT_IN_KINDS = frozenset({("v1", "Namespace"), ("apps/v1", "Deployment"), ("v1", "Secret"),
                                        ("v1", "ConfigMap")})

# Every kind kustomize's tables or code single out, whatever its group (its tables match most kinds in
# any group).
SPECIAL_KINDS = frozenset({
    "APIService", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "CronJob", "CustomResourceDefinition",
    "DaemonSet", "Deployment", "HTTPRoute", "HorizontalPodAutoscaler", "Ingress", "IngressClass", "Job",
    "List", "MutatingWebhookConfiguration", "Namespace", "NetworkPolicy", "Node", "PersistentVolume",
    "PersistentVolumeClaim", "Pod", "PodDisruptionBudget", "PodTemplate", "PriorityClass", "ReplicaSet",
    "ReplicationController", "Role", "RoleBinding", "Secret", "Service", "ServiceAccount", "StatefulSet",
    "StorageClass", "ValidatingWebhookConfiguration",
})


def is_built_in_group(group: str) -> bool:
    """Kubernetes' own API groups: the core group, dotless groups (apps, batch, ...) and *.k8s.io. A
    custom resource's group always holds a dot."""
    return "." not in group or group == "k8s.io" or group.endswith(".k8s.io")


def unimplemented_kind(api_version: str, kind: str) -> str | None:
    """Why this renderer cannot render objects of this kind as kustomize does, or None when it can."""
    if (api_version, kind) in IMPLEMENTED_BUILT_IN_KINDS:
        return None
    group, _ = split_api_version(api_version)
    if kind in SPECIAL_KINDS or is_built_in_group(group):
        implemented = ", ".join(f"{v} {k}" for v, k in sorted(IMPLEMENTED_BUILT_IN_KINDS))
        return (f"{api_version} {kind} is not implemented by this kustomize renderer: kustomize may treat it "
                f"specially (selectors, name references, cluster scope), and only {implemented} and other "
                "groups' custom resources are implemented; add what kustomize does with it to "
                "scripts/deploy/deploycheck/kustomize/field_specs.py, then compare with kubectl "
                "(python3 scripts/deploy/render.py --write-fixtures)")
    return None
