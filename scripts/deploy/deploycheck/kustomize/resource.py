"""One object being rendered, with the history kustomize keeps beside it: its names before each
prefix or suffix, which name references follow."""
from dataclasses import dataclass, field

from .field_specs import CLUSTER_SCOPED_KINDS, split_api_version


@dataclass
class Resource:
    document: dict
    source: str
    original_name: str
    previous_names: list = field(default_factory=list)

    @property
    def api_version(self) -> str:
        return self.document["apiVersion"]

    @property
    def kind(self) -> str:
        return self.document["kind"]

    @property
    def name(self) -> str:
        return self.document["metadata"]["name"]

    @property
    def namespace(self) -> str:
        return self.document["metadata"].get("namespace") or ""

    @property
    def cluster_scoped(self) -> bool:
        return self.kind in CLUSTER_SCOPED_KINDS

    def same_namespace(self, other: "Resource") -> bool:
        """As kustomize compares namespaces: no namespace is the default one."""
        return (self.namespace or "default") == (other.namespace or "default")

    def identity(self) -> tuple:
        group, version = split_api_version(self.api_version)
        return group, version, self.kind, "" if self.cluster_scoped else self.namespace or "default", self.name

    def describe(self) -> str:
        where = f" in namespace {self.namespace}" if self.namespace else ""
        return f"{self.kind} {self.name}{where} (from {self.source})"

    def rename(self, name: str) -> None:
        self.previous_names.append(self.name)
        self.document["metadata"]["name"] = name
