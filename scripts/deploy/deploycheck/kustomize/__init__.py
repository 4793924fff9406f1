"""A kustomize renderer in Python for exactly what infra/kubernetes uses, so that the validator needs no
kubectl (Debian has none recent enough, and make test runs on a fresh Debian).

Implemented, as kustomize v5 (kubectl 1.32) does it:
- resources: YAML files and directories (bases), built recursively, each with its own transformers;
- patches: JSON 6902 operations (add, remove, replace) on targets selected by kind and name (anchored
  regular expressions, matched against the original and the current name);
- namespace (Namespace objects renamed to it), namePrefix, nameSuffix (Namespace objects keep their
  name), then the name references kustomize rewrites: Secret and ConfigMap names in Deployments'
  env, envFrom, volumes and imagePullSecrets, and the nameReference entries of `configurations:` files;
- labels: pairs with includeSelectors and includeTemplates;
- images: name, newName, newTag.

Everything else is refused, naming it, so that an edit cannot render silently wrong: any other
kustomization field or sub-field, strategic-merge patches, other patch operations, and any built-in
Kubernetes kind other than Namespace, Deployment, Secret and ConfigMap (kustomize gives many of those
special treatment: selectors, name references, cluster scope). Other groups' kinds (KEDA, RabbitMQ,
CloudNativePG) are rendered as kustomize renders a kind it does not know. One deliberate difference:
a patch whose target matches nothing is an error here (kustomize ignores it silently).

scripts/deploy/render.py compares this renderer with `kubectl kustomize` (committed fixtures always,
kubectl itself when it is on PATH).
"""
from .build import render
from .kustomization import KustomizeError

__all__ = ["render", "KustomizeError"]
