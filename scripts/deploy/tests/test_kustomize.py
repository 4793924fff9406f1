"""The Python kustomize renderer (deploycheck/kustomize) on small kustomizations that exercise each
feature it implements, and on what it must refuse. Each rendering is checked against values written
here, and against `kubectl kustomize` too when kubectl is on PATH.

Run: python3 -m unittest discover -s scripts/deploy/tests
"""
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploycheck import render_comparison, render_fixtures  # noqa: E402
from deploycheck.kustomize import KustomizeError, json_patch, render  # noqa: E402
from deploycheck.kustomize.images import split  # noqa: E402

KUBECTL = shutil.which("kubectl")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: elsewhere
  labels: {team: base-value}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 1
              podAffinityTerm: {topologyKey: k, labelSelector: {matchLabels: {app: web}}}
      initContainers:
        - name: init
          image: app@sha256:0123
      containers:
        - name: c
          image: app:1.0
          args: [--one]
          env:
            - name: A
              valueFrom: {secretKeyRef: {name: credentials, key: k}}
            - name: B
              valueFrom: {configMapKeyRef: {name: settings, key: k}}
            - name: C
              valueFrom: {secretKeyRef: {name: applied-beside, key: k}}
          envFrom:
            - secretRef: {name: more-credentials}
        - name: sidecar
          image: registry.local:5000/app:2
      imagePullSecrets:
        - name: credentials
      volumes:
        - name: v
          secret: {secretName: credentials}
        - name: w
          configMap: {name: settings}
"""

OBJECTS = """\
apiVersion: v1
kind: Secret
metadata: {name: credentials}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: rabbitmq.com/v1beta1
kind: RabbitmqCluster
metadata: {name: broker}
spec:
  image: app:1.0
  override:
    statefulSet:
      spec:
        template:
          spec:
            containers:
              - name: rabbitmq
                image: app
"""

# A base and an overlay using every feature at once.
OVERLAY_TREE = {
    "base/kustomization.yaml": """\
        resources: [deployment.yaml, objects.yaml]
        labels:
          - pairs: {team: from-base}
        images:
          - name: app
            newTag: "1.1"
        """,
    "base/deployment.yaml": DEPLOYMENT,
    "base/objects.yaml": OBJECTS,
    "overlay/kustomization.yaml": """\
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namespace: production
        namePrefix: p-
        nameSuffix: -o
        resources:
          - ../base
          - namespace.yaml
          - more.yaml
        labels:
          - pairs: {tier: selected}
            includeSelectors: true
          - pairs: {pool: templated}
            includeTemplates: true
          - pairs: {plain: metadata-only}
        images:
          - name: app
            newName: registry.example.com/app
        patches:
          - target: {kind: Deployment, name: w.b}
            patch: |-
              - op: add
                path: /spec/template/spec/containers/0/args/0
                value: --zero
              - op: add
                path: /spec/template/spec/containers/0/args/-
                value: --last
              - op: replace
                path: /spec/template/spec/containers/0/name
                value: main
              - op: remove
                path: /metadata/labels/team
              - op: add
                path: /metadata/annotations
                value: {"example.com/owner": "ops"}
        """,
    "overlay/namespace.yaml": """\
        apiVersion: v1
        kind: Namespace
        metadata: {name: renamed-by-namespace}
        """,
    "overlay/more.yaml": """\
        apiVersion: v1
        kind: Secret
        metadata: {name: more-credentials}
        """,
}

# KEDA's references through a configurations file, one of them a list on the way.
CONFIGURATIONS_TREE = {
    "base/kustomization.yaml": """\
        resources: [keda.yaml]
        configurations: [references.yaml]
        """,
    "base/references.yaml": """\
        nameReference:
          - kind: Deployment
            fieldSpecs:
              - kind: ScaledObject
                path: spec/scaleTargetRef/name
          - kind: TriggerAuthentication
            fieldSpecs:
              - kind: ScaledObject
                path: spec/triggers/authenticationRef/name
        """,
    "base/keda.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: worker}
        spec:
          selector: {matchLabels: {app: worker}}
          template:
            metadata: {labels: {app: worker}}
            spec:
              containers: [{name: w, image: w}]
        ---
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata: {name: worker}
        spec:
          scaleTargetRef: {name: worker}
          triggers:
            - type: rabbitmq
              authenticationRef: {name: broker}
            - type: rabbitmq
              authenticationRef: {name: not-rendered}
        ---
        apiVersion: keda.sh/v1alpha1
        kind: TriggerAuthentication
        metadata: {name: broker}
        spec:
          secretTargetRef:
            - {parameter: host, name: broker, key: host}
        """,
    "overlay/kustomization.yaml": """\
        namespace: pool
        nameSuffix: -data
        resources: [../base]
        """,
}


def write_tree(root: Path, tree: dict) -> None:
    for relative, text in tree.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def find(documents: list, kind: str, name: str | None = None) -> dict:
    found = [d for d in documents if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    if len(found) != 1:
        raise AssertionError(f"{len(found)} {kind} {name or ''} rendered")
    return found[0]


def render_tree(root: Path, tree: dict, directory: str) -> list:
    """The Python rendering of `directory` in `tree` (written under `root`); raises AssertionError when
    kubectl is on PATH and renders other objects."""
    write_tree(root, tree)
    rendered = render(root / directory)
    if KUBECTL:
        result = subprocess.run([KUBECTL, "kustomize", str(root / directory)], capture_output=True, text=True,
                                timeout=120)
        if result.returncode != 0:
            raise AssertionError(f"kubectl kustomize failed: {result.stderr}")
        reference = [d for d in yaml.safe_load_all(result.stdout) if d]
        differences = render_comparison.differences(reference, rendered, "kubectl", "Python")
        if differences:
            raise AssertionError("\n".join(differences))
    return rendered


class RendererTestCase(unittest.TestCase):
    def setUp(self):
        self.directory = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.directory)

    def render_tree(self, tree: dict, directory: str) -> list:
        return render_tree(self.directory, tree, directory)

    def refused(self, tree: dict, directory: str = ".") -> str:
        write_tree(self.directory, tree)
        with self.assertRaises(KustomizeError) as caught:
            render(self.directory / directory)
        return str(caught.exception)


class OverlayTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        root = Path(tempfile.mkdtemp())
        cls.addClassCleanup(shutil.rmtree, root)
        cls.documents = render_tree(root, OVERLAY_TREE, "overlay")
        cls.deployment = find(cls.documents, "Deployment")
        cls.pod = cls.deployment["spec"]["template"]["spec"]

    def test_names_get_prefix_and_suffix_but_the_namespace_takes_the_namespace_field(self):
        names = sorted((d["kind"], d["metadata"]["name"], d["metadata"].get("namespace")) for d in self.documents)
        self.assertEqual(names, [
            ("ConfigMap", "p-settings-o", "production"), ("Deployment", "p-web-o", "production"),
            ("Namespace", "production", None), ("RabbitmqCluster", "p-broker-o", "production"),
            ("Secret", "p-credentials-o", "production"), ("Secret", "p-more-credentials-o", "production")])

    def test_references_to_renamed_objects_follow_and_others_stay(self):
        main = self.pod["containers"][0]
        self.assertEqual([e["valueFrom"] for e in main["env"]], [
            {"secretKeyRef": {"name": "p-credentials-o", "key": "k"}},
            {"configMapKeyRef": {"name": "p-settings-o", "key": "k"}},
            {"secretKeyRef": {"name": "applied-beside", "key": "k"}}])
        self.assertEqual(main["envFrom"], [{"secretRef": {"name": "p-more-credentials-o"}}])
        self.assertEqual(self.pod["imagePullSecrets"], [{"name": "p-credentials-o"}])
        self.assertEqual(self.pod["volumes"], [{"name": "v", "secret": {"secretName": "p-credentials-o"}},
                                               {"name": "w", "configMap": {"name": "p-settings-o"}}])

    def test_labels_reach_selectors_templates_or_metadata_only_as_asked(self):
        self.assertEqual(self.deployment["metadata"]["labels"],
                         {"tier": "selected", "pool": "templated", "plain": "metadata-only"})
        self.assertEqual(self.deployment["spec"]["selector"]["matchLabels"], {"app": "web", "tier": "selected"})
        self.assertEqual(self.deployment["spec"]["template"]["metadata"]["labels"],
                         {"app": "web", "tier": "selected", "pool": "templated"})
        term = self.pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
        self.assertEqual(term["podAffinityTerm"]["labelSelector"]["matchLabels"], {"app": "web", "tier": "selected"})
        # The base's label reached the base's objects only (the patch removed it from the Deployment).
        self.assertEqual(find(self.documents, "Secret", "p-credentials-o")["metadata"]["labels"]["team"], "from-base")
        self.assertNotIn("team", find(self.documents, "Namespace")["metadata"]["labels"])

    def test_images_in_any_containers_list_and_nowhere_else(self):
        self.assertEqual([c["image"] for c in self.pod["containers"]],
                         ["registry.example.com/app:1.1", "registry.local:5000/app:2"])
        self.assertEqual(self.pod["initContainers"][0]["image"], "registry.example.com/app:1.1")
        broker = find(self.documents, "RabbitmqCluster")["spec"]
        self.assertEqual(broker["image"], "app:1.0")
        self.assertEqual(broker["override"]["statefulSet"]["spec"]["template"]["spec"]["containers"][0]["image"],
                         "registry.example.com/app:1.1")

    def test_json_patch_operations(self):
        main = self.pod["containers"][0]
        self.assertEqual((main["name"], main["args"]), ("main", ["--zero", "--one", "--last"]))
        self.assertEqual(self.deployment["metadata"]["annotations"], {"example.com/owner": "ops"})


class ConfigurationsTests(RendererTestCase):
    def test_configured_references_follow_the_suffix(self):
        documents = self.render_tree(CONFIGURATIONS_TREE, "overlay")
        scaled = find(documents, "ScaledObject")["spec"]
        self.assertEqual(scaled["scaleTargetRef"], {"name": "worker-data"})
        self.assertEqual([t["authenticationRef"]["name"] for t in scaled["triggers"]], ["broker-data", "not-rendered"])
        # The Secret is applied beside the kustomization, so its name stays.
        secret = find(documents, "TriggerAuthentication")["spec"]["secretTargetRef"][0]
        self.assertEqual(secret["name"], "broker")

    def test_base_alone(self):
        documents = self.render_tree(CONFIGURATIONS_TREE, "base")
        self.assertEqual(find(documents, "ScaledObject")["spec"]["scaleTargetRef"], {"name": "worker"})


class RefusalTests(RendererTestCase):
    DEPLOYMENT_ONLY = {"deployment.yaml": DEPLOYMENT}

    def kustomization(self, text: str) -> dict:
        return {**self.DEPLOYMENT_ONLY, "kustomization.yaml": "resources: [deployment.yaml]\n" + text}

    def test_unimplemented_fields_are_named(self):
        for text, named in [("commonLabels: {a: b}\n", "commonLabels"),
                            ("replicas: [{name: web, count: 2}]\n", "replicas"),
                            ("components: [../c]\n", "components"),
                            ("labels: [{pairs: {a: b}, fields: [{path: spec/x}]}]\n", "fields"),
                            ("images: [{name: app, digest: 'sha256:1'}]\n", "digest"),
                            ("patches: [{path: p.yaml, target: {kind: Deployment}}]\n", "path"),
                            ("patches: [{patch: '[]', target: {kind: Deployment, labelSelector: a=b}}]\n",
                             "labelSelector")]:
            with self.subTest(named):
                self.assertIn(f"{named} not implemented", self.refused(self.kustomization(text)))

    def test_strategic_merge_and_unimplemented_operations(self):
        merge = "patches:\n  - target: {kind: Deployment}\n    patch: |-\n      spec: {replicas: 2}\n"
        self.assertIn("strategic-merge patches are not implemented", self.refused(self.kustomization(merge)))
        move = ("patches:\n  - target: {kind: Deployment}\n    patch: |-\n"
                "      - {op: move, from: /spec/replicas, path: /spec/x}\n")
        self.assertIn("operation 'move' is not implemented", self.refused(self.kustomization(move)))

    def test_a_patch_matching_nothing(self):
        text = "patches:\n  - target: {kind: Deployment, name: webb}\n    patch: '[]'\n"
        self.assertIn("matches no resource", self.refused(self.kustomization(text)))

    def test_an_operation_that_does_not_apply(self):
        text = ("patches:\n  - target: {kind: Deployment}\n    patch: |-\n"
                "      - {op: replace, path: /spec/replicas, value: 2}\n")
        self.assertIn("replace /spec/replicas: /spec/replicas does not exist", self.refused(self.kustomization(text)))

    def test_unimplemented_kinds(self):
        service = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
        message = self.refused({"kustomization.yaml": "resources: [s.yaml]\n", "s.yaml": service})
        self.assertIn("v1 Service is not implemented", message)
        crd_named_job = "apiVersion: example.com/v1\nkind: Job\nmetadata: {name: j}\n"
        self.assertIn("example.com/v1 Job is not implemented",
                      self.refused({"kustomization.yaml": "resources: [j.yaml]\n", "j.yaml": crd_named_job}))

    def test_unquoted_tag_and_missing_resource(self):
        self.assertIn("newTag: expected str, found 1.1 (quote it)",
                      self.refused(self.kustomization("images: [{name: app, newTag: 1.1}]\n")))
        self.assertIn("resource missing.yaml: no such file or directory",
                      self.refused({"kustomization.yaml": "resources: [missing.yaml]\n"}))

    def test_namespace_making_two_objects_one(self):
        namespaces = "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\n" \
                     "apiVersion: v1\nkind: Namespace\nmetadata: {name: y}\n"
        self.assertIn("namespace makes Namespace", self.refused(
            {"kustomization.yaml": "namespace: n\nresources: [n.yaml]\n", "n.yaml": namespaces}))


class InfraKubernetesTests(unittest.TestCase):
    def test_every_kustomization_renders_as_kubectl_does(self):
        """Against kubectl's committed output always, against kubectl itself when it is on PATH."""
        kubernetes = render_fixtures.REPO / "infra" / "kubernetes"
        problems, _ = render_fixtures.check(kubernetes, render_fixtures.Kubectl.on_path())
        self.assertEqual(problems, [])
        self.assertIn("workers/data", render_fixtures.kustomizations(kubernetes))


class JsonPatchTests(unittest.TestCase):
    def test_escaped_keys_and_indices(self):
        document = {"metadata": {"labels": {"a/b": "1", "c~d": "2"}}, "list": [1, 2]}
        patched = json_patch.apply(document, [{"op": "replace", "path": "/metadata/labels/a~1b", "value": "x"},
                                              {"op": "remove", "path": "/metadata/labels/c~0d"},
                                              {"op": "add", "path": "/list/2", "value": 3}])
        self.assertEqual(patched, {"metadata": {"labels": {"a/b": "x"}}, "list": [1, 2, 3]})
        self.assertEqual(document["list"], [1, 2], "the input is left as it was")

    def test_out_of_range_and_missing_parents(self):
        for operation, message in [({"op": "add", "path": "/list/3", "value": 0}, "index 3 is out of range"),
                                   ({"op": "remove", "path": "/list/2"}, "index 2 is out of range"),
                                   ({"op": "add", "path": "/missing/x", "value": 0}, "/missing does not exist"),
                                   ({"op": "add", "path": "/list/01", "value": 0}, "'01' is not an index")]:
            with self.subTest(operation=operation), self.assertRaises(json_patch.PatchError) as caught:
                json_patch.apply({"list": [1, 2]}, [operation])
            self.assertIn(message, str(caught.exception))


class ImageReferenceTests(unittest.TestCase):
    def test_split(self):
        self.assertEqual(split("app"), ("app", "", ""))
        self.assertEqual(split("app:1"), ("app", "1", ""))
        self.assertEqual(split("app@sha256:ab"), ("app", "", "sha256:ab"))
        self.assertEqual(split("host:5000/team/app:1@sha256:ab"), ("host:5000/team/app", "1", "sha256:ab"))


class ComparisonTests(unittest.TestCase):
    """The comparison the fixtures rely on must see every difference, and ignore order only."""

    OBJECTS = [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"}, "data": {"k": "v"}},
               {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}]

    def test_order_does_not_matter(self):
        self.assertEqual(render_comparison.differences(self.OBJECTS, self.OBJECTS[::-1], "x", "y"), [])

    def test_a_changed_field_a_missing_and_an_extra_object(self):
        changed = [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"}, "data": {"k": "w"}},
                   {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]
        problems = render_comparison.differences(self.OBJECTS, changed, "kubectl", "Python")
        self.assertEqual(problems, [
            "v1 ConfigMap b: kubectl renders it, Python does not",
            "v1 ConfigMap c: Python renders it, kubectl does not",
            "v1 Secret a: data.k is 'v' in kubectl, 'w' in Python"])


if __name__ == "__main__":
    unittest.main()
