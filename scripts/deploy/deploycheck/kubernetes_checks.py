"""Checks of the rendered Kubernetes objects and their secret templates, beyond their schemas: the
commands against the real binaries, references between objects, the worker pools, TLS in every URL,
and that templates hold placeholders only."""
import re
from pathlib import PurePosixPath

from .command_line import BINARIES
from .pools import POOLS
from .problem import Problem
from .urls import files_named, parts

PLACEHOLDER = "REPLACE_ME"
# Template keys whose value is not a secret: fixed names and switches.
NOT_SECRET = {"username", "keda-tls"}
# Secrets the operators create themselves: CloudNativePG publishes its CA as <cluster>-ca.
OPERATOR_SECRETS = {"securenets-db-ca": {"ca.crt", "ca.key"}}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")


def _name(document: dict) -> str:
    return f"{document.get('kind')}/{document.get('metadata', {}).get('name')}"


def _where(bundle, document: dict | None = None) -> str:
    return f"infra/kubernetes/{bundle.name}" + (f" {_name(document)}" if document else "")


def template_values(bundle) -> dict:
    """(kind, name) -> {key: value} of the bundle's templates."""
    found = {}
    for document in bundle.templates:
        values = dict(document.get("stringData") or {})
        values.update(document.get("data") or {})
        found[(document["kind"], document["metadata"]["name"])] = values
    return found


def _containers(pod_spec: dict) -> list:
    return list(pod_spec.get("initContainers") or []) + list(pod_spec.get("containers") or [])


def _pod_specs(bundle):
    for document in bundle.documents:
        if document.get("kind") in WORKLOAD_KINDS:
            yield document, document.get("spec", {}).get("template", {}).get("spec", {})


def check_schemas(bundle, schemas) -> list:
    problems = []
    for document in bundle.documents + bundle.templates:
        problems += [Problem(_where(bundle, document), message) for message in schemas.problems(document)]
    return problems


def check_templates(bundle) -> list:
    """Secrets and public inputs come from the templates only, and these hold placeholders only."""
    problems = []
    for document in bundle.documents:
        if document.get("kind") in ("Secret", "ConfigMap"):
            problems.append(Problem(_where(bundle, document), "the kustomization renders a Secret or ConfigMap; they "
                                    f"belong in {bundle.name}/secrets.template.yaml, applied separately"))
    for resource in bundle.kustomization.get("resources") or []:
        if resource.endswith(".template.yaml"):
            problems.append(Problem(_where(bundle), f"kustomization.yaml lists {resource}: applying it would create "
                                    "users and roles whose passwords are in the repository"))
    for (kind, name), values in template_values(bundle).items():
        if kind == "Secret" and not any(d["metadata"]["name"] == name and "stringData" in d for d in bundle.templates):
            problems.append(Problem(f"{_where(bundle)} Secret/{name}", "templates use stringData"))
        for key, value in values.items():
            if key not in NOT_SECRET and PLACEHOLDER not in str(value):
                problems.append(Problem(f"{_where(bundle)} {kind}/{name}",
                                        f"{key} holds a value, not a {PLACEHOLDER} placeholder: never commit a secret"))
    return problems


def _visible_files(container: dict, pod_spec: dict, templates: dict) -> tuple:
    """(files a container can read from Secret and ConfigMap volumes, directories it may write: emptyDirs)."""
    volumes = {volume["name"]: volume for volume in pod_spec.get("volumes") or []}
    files, directories = set(), set()
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount["name"], {})
        source = volume.get("secret") or volume.get("configMap")
        if source is not None:
            kind = "Secret" if "secret" in volume else "ConfigMap"
            name = source.get("secretName") or source.get("name")
            keys = [item["path"] for item in source.get("items") or []] or list(
                templates.get((kind, name), OPERATOR_SECRETS.get(name, {})))
            files |= {str(PurePosixPath(mount["mountPath"]) / key) for key in keys}
        elif "emptyDir" in volume:
            directories.add(mount["mountPath"])
    return files, directories


def _readable(path: str, files: set, directories: set) -> bool:
    return path in files or any(PurePosixPath(path).is_relative_to(directory) for directory in directories)


def check_workloads(bundle, cli, environment_names: set, image_user: int) -> list:
    """Each container of the image: a real command line, real variables, every file it is pointed at
    mounted, TLS in its URLs, the image's unprivileged user."""
    problems = []
    templates = template_values(bundle)
    for document, pod_spec in _pod_specs(bundle):
        where = _where(bundle, document)
        security = pod_spec.get("securityContext") or {}
        if security.get("runAsNonRoot") is not True or security.get("runAsUser") != image_user:
            problems.append(Problem(where, f"pods must run as the image's user: runAsNonRoot true, runAsUser {image_user}"))
        for container in _containers(pod_spec):
            here = f"{where} container {container.get('name')}"
            if not str(container.get("image", "")).split(":")[0].endswith("securenets"):
                problems.append(Problem(here, f"image {container.get('image')!r} is not the SecureNets image"))
            argv = list(container.get("command") or []) + list(container.get("args") or [])
            env = {entry["name"]: entry for entry in container.get("env") or []}
            for token in argv:
                for variable in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", str(token)):
                    if variable not in env:
                        problems.append(Problem(here, f"$({variable}) in its command is not defined in its env"))
            files, directories = _visible_files(container, pod_spec, templates)
            if argv and PurePosixPath(str(argv[0])).name in BINARIES:
                problems += [Problem(here, message) for message in cli.check(argv)]
                for flag in ("--signing-key", "--authorized-keys"):
                    if flag in argv and argv.index(flag) + 1 < len(argv):
                        path = argv[argv.index(flag) + 1]
                        if not _readable(path, files, directories):
                            problems.append(Problem(here, f"{flag} {path} is on no volume the container mounts"))
            for name, entry in env.items():
                if name.startswith("SECURENETS_") and name not in environment_names:
                    problems.append(Problem(here, f"{name} is read by no SecureNets binary (known: "
                                            f"{', '.join(sorted(environment_names))})"))
                reference = (entry.get("valueFrom") or {}).get("secretKeyRef")
                if reference is None:
                    continue
                values = templates.get(("Secret", reference["name"]))
                if values is None or reference["key"] not in values:
                    problems.append(Problem(here, f"{name} reads key {reference['key']!r} of Secret {reference['name']}, "
                                            "which no template defines"))
                    continue
                value = str(values[reference["key"]])
                if "://" in value:
                    problems += [Problem(here, message) for message in _url_problems(name, value)]
                    for path in files_named(value):
                        if not _readable(path, files, directories):
                            problems.append(Problem(here, f"{name} names {path}, which is on no volume it mounts"))
    return problems


def _url_problems(variable: str, url: str) -> list:
    scheme, _, query = parts(url)
    if scheme in ("amqp", "amqps"):
        if scheme != "amqps" or "cacertfile" not in query:
            return [f"{variable} must use amqps:// with cacertfile= across networks"]
    elif scheme in ("postgres", "postgresql"):
        if query.get("sslmode") != "verify-full" or "sslrootcert" not in query:
            return [f"{variable} must use sslmode=verify-full and sslrootcert= across networks"]
    return []


def check_references(bundle) -> list:
    """Every Secret, ConfigMap, Deployment and TriggerAuthentication an object names exists, with the keys
    it reads."""
    problems = []
    templates = template_values(bundle)

    def need(where, kind, name, keys=()):
        values = templates.get((kind, name), OPERATOR_SECRETS.get(name) if kind == "Secret" else None)
        if values is None:
            problems.append(Problem(where, f"names {kind} {name}, which neither the templates nor an operator provide"))
            return None
        for key in keys:
            if key not in values:
                problems.append(Problem(where, f"reads key {key!r} of {kind} {name}, which lacks it"))
        return values

    names = {(d.get("kind"), d["metadata"]["name"]) for d in bundle.documents}
    for document in bundle.documents:
        where, spec, kind = _where(bundle, document), document.get("spec") or {}, document.get("kind")
        if kind in WORKLOAD_KINDS:
            for volume in spec.get("template", {}).get("spec", {}).get("volumes") or []:
                if "secret" in volume:
                    need(where, "Secret", volume["secret"]["secretName"],
                         [item["key"] for item in volume["secret"].get("items") or []])
                if "configMap" in volume:
                    need(where, "ConfigMap", volume["configMap"]["name"],
                         [item["key"] for item in volume["configMap"].get("items") or []])
        elif kind == "ScaledObject":
            if ("Deployment", spec["scaleTargetRef"]["name"]) not in names:
                problems.append(Problem(where, f"scales Deployment {spec['scaleTargetRef']['name']}, which is not rendered"))
            for trigger in spec.get("triggers") or []:
                reference = (trigger.get("authenticationRef") or {}).get("name")
                if reference and ("TriggerAuthentication", reference) not in names:
                    problems.append(Problem(where, f"authenticates with TriggerAuthentication {reference}, which is not rendered"))
        elif kind == "TriggerAuthentication":
            for reference in spec.get("secretTargetRef") or []:
                need(where, "Secret", reference["name"], [reference["key"]])
        elif kind == "User":
            secret = (spec.get("importCredentialsSecret") or {}).get("name")
            if secret:
                need(where, "Secret", secret, ["username", "password"])
        elif kind == "RabbitmqCluster":
            need(where, "Secret", spec.get("tls", {}).get("secretName", ""), ["tls.crt", "tls.key", "ca.crt"])
        elif kind == "Cluster" and document["apiVersion"].startswith("postgresql.cnpg.io/"):
            initdb = spec.get("bootstrap", {}).get("initdb", {})
            owner = need(where, "Secret", initdb.get("secret", {}).get("name", ""), ["username", "password"])
            if owner and owner.get("username") != initdb.get("owner"):
                problems.append(Problem(where, f"the owner Secret's username must be {initdb.get('owner')!r}"))
            roles = {role["name"]: role for role in spec.get("managed", {}).get("roles") or []}
            for required in ("securenets_verifier", "securenets_auditor"):
                if required not in roles:
                    problems.append(Problem(where, f"managed role {required} is missing (migrations/ require it)"))
            for role in roles.values():
                values = need(where, "Secret", role.get("passwordSecret", {}).get("name", ""), ["username", "password"])
                if values and values.get("username") != role["name"]:
                    problems.append(Problem(where, f"role {role['name']}'s Secret must have username {role['name']!r}"))
    return problems


def check_pool(bundle) -> list:
    """A worker overlay runs exactly its pool: flag, queue and broker user as in pools.POOLS."""
    pool = POOLS[bundle.name.split("/")[-1]]
    where = _where(bundle)
    problems = []
    workloads = [d for d in bundle.documents if d.get("kind") == "Deployment"]
    scalers = [d for d in bundle.documents if d.get("kind") == "ScaledObject"]
    if len(workloads) != 1 or len(scalers) != 1:
        return [Problem(where, "a worker overlay renders one Deployment and one ScaledObject")]
    container = workloads[0]["spec"]["template"]["spec"]["containers"][0]
    argv = list(container.get("command") or []) + list(container.get("args") or [])
    flag = argv[argv.index("--pool") + 1] if "--pool" in argv[:-1] else None
    if argv[:1] != ["securenets-worker"] or flag != pool.flag:
        problems.append(Problem(where, f"the {pool.name} pool runs securenets-worker "
                                f"{'--pool ' + pool.flag if pool.flag else 'without --pool'}, not {' '.join(map(str, argv))}"))
    queues = [t.get("metadata", {}).get("queueName") for t in scalers[0]["spec"].get("triggers") or []]
    if queues != [pool.queue]:
        problems.append(Problem(where, f"the {pool.name} pool scales on {pool.queue}, not {queues}"))
    for key in ("amqp-url", "keda-host"):
        value = template_values(bundle).get(("Secret", "securenets-worker-broker"), {}).get(key)
        if value is None or parts(str(value))[1] != pool.user:
            problems.append(Problem(where, f"securenets-worker-broker {key} must log in as {pool.user}"))
    if workloads[0]["metadata"].get("labels", {}).get("securenets/pool") != pool.name:
        problems.append(Problem(where, f"its objects carry the label securenets/pool: {pool.name}"))
    return problems


def check_pools_apart(bundles: dict) -> list:
    """The two masked-mode pools never share a namespace (they are meant for two providers)."""
    namespaces = {name: bundles[name].kustomization.get("namespace") for name in ("workers/data", "workers/mask")}
    if namespaces["workers/data"] == namespaces["workers/mask"]:
        return [Problem("infra/kubernetes/workers", "the data and mask pools must not share a namespace: "
                        "they are meant for different clusters and providers")]
    return []
