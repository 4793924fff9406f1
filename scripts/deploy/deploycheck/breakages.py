"""The negative self-check: deliberately broken copies of the deployment, each of which the checks must
reject with a problem the intact deployment does not have. A check that lets one through is broken."""
import copy
import shutil
import tempfile
from pathlib import Path

from .deployment import RenderError, load


def _find(bundle, kind, name=None):
    for document in bundle.documents:
        if document.get("kind") == kind and (name is None or document["metadata"]["name"] == name):
            return document
    raise LookupError(f"{bundle.name} renders no {kind} {name or ''}")


def _template(bundle, name):
    return next(d for d in bundle.templates if d["metadata"]["name"] == name)["stringData"]


def _verifier(d):
    return _find(d.bundles["control"], "Deployment", "securenets-verifier")["spec"]["template"]["spec"]


def _container(pod_spec, name):
    return next(c for c in pod_spec["containers"] if c["name"] == name)


def _worker(d, pool):
    return _find(d.bundles[f"workers/{pool}"], "Deployment")["spec"]["template"]["spec"]["containers"][0]


def _set(mapping, key, value):
    mapping[key] = value


# name -> (what breaks one thing in a deep copy of the loaded deployment, a fragment of the problem
# the checks must then report).
MODEL_BREAKAGES = {
    "Deployment replicas as a string (Kubernetes schema)": (
        lambda d: _set(_find(d.bundles["control"], "Deployment")["spec"], "replicas", "two"),
        "spec.replicas: 'two' is not of type"),
    "misspelt container field 'comand' (strict Kubernetes schema)": (
        lambda d: _set(_container(_verifier(d), "verifier"), "comand", ["securenets-verifier"]),
        "'comand' was unexpected"),
    "KEDA trigger value as a number (ScaledObject subset schema)": (
        lambda d: _set(_find(d.bundles["workers/blinded"], "ScaledObject")["spec"]["triggers"][0]["metadata"], "value", 2),
        "metadata.value: 2 is not of type 'string'"),
    "RabbitmqCluster field 'replica' (RabbitmqCluster subset schema)": (
        lambda d: _set(_find(d.bundles["control"], "RabbitmqCluster")["spec"], "replica", 3),
        "'replica' was unexpected"),
    "RabbitmqCluster resources not a ResourceRequirements (embedded Kubernetes type)": (
        lambda d: _set(_find(d.bundles["control"], "RabbitmqCluster")["spec"], "resources", {"requests": "lots"}),
        "spec.resources.requests: 'lots'"),
    "CNPG role ensure 'yes' (Cluster subset schema)": (
        lambda d: _set(_find(d.bundles["control"], "Cluster")["spec"]["managed"]["roles"][0], "ensure", "yes"),
        "'yes' is not one of ['present', 'absent']"),
    "worker flag the binary lacks (--threds)": (
        lambda d: _worker(d, "blinded")["args"].extend(["--threds", "4"]),
        'has no option --threds'),
    "verifier subcommand the binary lacks (serv)": (
        lambda d: _set(_container(_verifier(d), "verifier"), "command", ["securenets-verifier", "serv"]),
        'securenets-verifier serve takes 0 positional argument(s)'),
    "environment variable no binary reads": (
        lambda d: _worker(d, "blinded")["env"].append({"name": "SECURENETS_WORKER_AMQP_URI", "value": "x"}),
        'SECURENETS_WORKER_AMQP_URI is read by no SecureNets binary'),
    "data pool scaled on the mask queue": (
        lambda d: _set(_find(d.bundles["workers/data"], "ScaledObject")["spec"]["triggers"][0]["metadata"],
                       "queueName", "securenets.jobs.mask"),
        'the data pool scales on securenets.jobs.data'),
    "mask pool logging in as the data pool's user": (
        lambda d: _set(_template(d.bundles["workers/mask"], "securenets-worker-broker"), "amqp-url",
                       "amqps://securenets-worker-data:REPLACE_ME@h:5671/securenets?cacertfile=/etc/securenets/broker-ca/ca.crt"),
        'must log in as securenets-worker-mask'),
    "a real-looking password in a template": (
        lambda d: _set(_template(d.bundles["control"], "securenets-db-owner"), "password", "hunter2"),
        'password holds a value, not a REPLACE_ME placeholder'),
    "verifier reading a Secret key no template defines": (
        lambda d: _set(_container(_verifier(d), "verifier")["env"][2]["valueFrom"]["secretKeyRef"], "key", "DATABASE_URI"),
        "reads key 'DATABASE_URI'"),
    "database URL without TLS verification": (
        lambda d: _set(_template(d.bundles["control"], "securenets-verifier-urls"), "SECURENETS_DATABASE_URL",
                       "postgresql://securenets:REPLACE_ME@db:5432/securenets?sslmode=disable"),
        'must use sslmode=verify-full'),
    "verifier pointed at an authorized-keys file on no volume": (
        lambda d: _container(_verifier(d), "verifier")["args"].__setitem__(5, "/etc/elsewhere/authorized_producers"),
        '--authorized-keys /etc/elsewhere/authorized_producers is on no volume'),
    "data pool user allowed to read the mask queue": (
        lambda d: _set(_find(d.bundles["control"], "Permission", "worker-data")["spec"]["permissions"], "read", ".*"),
        'securenets-worker-data may read securenets.jobs.mask'),
    "ScaledObject scaling a Deployment that is not rendered": (
        lambda d: _set(_find(d.bundles["workers/mask"], "ScaledObject")["spec"]["scaleTargetRef"], "name", "gone"),
        'scales Deployment gone, which is not rendered'),
    "data and mask pools in one namespace": (
        lambda d: _set(d.bundles["workers/mask"].kustomization, "namespace",
                       d.bundles["workers/data"].kustomization["namespace"]),
        'must not share a namespace'),
    "compose worker with a flag the binary lacks": (
        lambda d: d.compose.data["services"]["worker"]["command"].append("--poool"),
        'has no option --poool'),
    "compose verifier logging in as a worker": (
        lambda d: _set(d.compose.data["services"]["verifier"]["environment"], "SECURENETS_VERIFIER_AMQP_URL",
                       "amqp://securenets-worker:x@broker:5672/securenets"),
        'SECURENETS_VERIFIER_AMQP_URL must log in as securenets-verifier'),
    "compose depending on a service that does not exist": (
        lambda d: _set(d.compose.data["services"]["worker"], "depends_on", {"brokr": {"condition": "service_started"}}),
        'depends on brokr'),
    "runtime image on another base": (
        lambda d: setattr(d, "dockerfile", d.dockerfile.replace("FROM debian:bookworm-slim", "FROM ubuntu:24.04")),
        'then debian:bookworm-slim'),
}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if old not in text:
        raise LookupError(f"{path} no longer contains {old!r}: update this breakage")
    path.write_text(text.replace(old, new, 1))


# name -> (what edits a copy of infra/ on disk, for what only the files show; the expected problem).
FILE_BREAKAGES = {
    "a kustomization that does not render (missing resource)": (
        lambda infra: _edit(infra / "kubernetes/workers/data/kustomization.yaml", "  - ../base", "  - ../base\n  - ../missing"),
        'render failed'),
    "a kustomization field the Python renderer does not implement (commonAnnotations)": (
        lambda infra: _edit(infra / "kubernetes/workers/data/kustomization.yaml", "nameSuffix: -data",
                            "nameSuffix: -data\ncommonAnnotations:\n  owner: ops"),
        'commonAnnotations not implemented'),
    "an overlay patch whose target matches nothing (kustomize would skip it silently)": (
        lambda infra: _edit(infra / "kubernetes/workers/mask/kustomization.yaml", "      kind: ScaledObject\n",
                            "      kind: ScaledObjekt\n"),
        'matches no resource'),
    "compose broker permissions drifting from infra/local/rabbitmq": (
        lambda infra: _edit(infra / "compose/broker-setup.sh", r"'^securenets\.(jobs|models)$'", "'.*'"),
        'differ from infra/local/rabbitmq'),
    "compose variable new-env does not write": (
        lambda infra: _edit(infra / "compose/compose.yaml", "${BROKER_WORKER_PASSWORD}", "${BROKER_WORKER_PASSWD}"),
        '${BROKER_WORKER_PASSWD} is not one of the variables'),
    "kustomization applying the secret template": (
        lambda infra: _edit(infra / "kubernetes/control/kustomization.yaml", "  - verifier.yaml",
                            "  - verifier.yaml\n  - secrets.template.yaml"),
        'lists secrets.template.yaml'),
}


def _caught(new: set, expected: str) -> str | None:
    return next((problem for problem in sorted(new) if expected in problem), None)


def run(deployment, run_checks) -> list:
    """(breakage, the new problem that names it, or None when the checks missed it) for every breakage."""
    baseline = {str(problem) for problem in run_checks(deployment)}
    results = []
    for name, (breakage, expected) in MODEL_BREAKAGES.items():
        broken = copy.deepcopy(deployment)
        breakage(broken)
        results.append((name, _caught({str(p) for p in run_checks(broken)} - baseline, expected)))
    for name, (breakage, expected) in FILE_BREAKAGES.items():
        with tempfile.TemporaryDirectory() as directory:
            # The copy keeps the repository's shape: compose builds from its root (Package.swift).
            (Path(directory) / "Package.swift").symlink_to(deployment.repo / "Package.swift")
            infra = Path(directory) / "infra"
            shutil.copytree(deployment.infra, infra, ignore=shutil.ignore_patterns("runtime-check"))
            breakage(infra)
            try:
                broken = load(deployment.repo, infra)
            except RenderError as error:
                results.append((name, _caught({f"render failed: {str(error).splitlines()[0][:200]}"}, expected)))
                continue
            new = {str(p).replace(str(infra), "infra") for p in run_checks(broken)} - baseline
            results.append((name, _caught(new, expected)))
    return results
