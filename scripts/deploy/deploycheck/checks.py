"""Every check, run over one loaded deployment."""
from . import compose_checks, container_checks, kubernetes_checks, permissions
from .deployment import Deployment
from .problem import Problem


def run(deployment: Deployment, schemas, cli, environment_names: set) -> list[Problem]:
    problems = container_checks.check(deployment.dockerfile, deployment.runtime_packages)
    user = container_checks.image_user(deployment.dockerfile) or 10001
    for bundle in deployment.bundles.values():
        problems += kubernetes_checks.check_schemas(bundle, schemas)
        problems += kubernetes_checks.check_templates(bundle)
        problems += kubernetes_checks.check_workloads(bundle, cli, environment_names, user)
        problems += kubernetes_checks.check_references(bundle)
        if bundle.name.startswith("workers/"):
            problems += kubernetes_checks.check_pool(bundle)
    problems += kubernetes_checks.check_pools_apart(deployment.bundles)
    problems += compose_checks.check(deployment.compose, deployment.repo, cli, environment_names)

    control = deployment.bundles["control"]
    user_secrets = {name: values.get("username") for (kind, name), values in
                    kubernetes_checks.template_values(control).items() if kind == "Secret"}
    reference = permissions.from_shell_script(deployment.infra / "local/rabbitmq")
    others = {
        "infra/kubernetes/control/broker-topology.yaml": permissions.from_kubernetes(control.documents, user_secrets),
        "infra/compose/broker-setup.sh": permissions.from_shell_script(deployment.compose.path.parent / "broker-setup.sh"),
    }
    problems += permissions.problems(reference, others)
    return problems
