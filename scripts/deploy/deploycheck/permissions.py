"""Broker permissions as each deployment grants them, read from its own files, so that they can be
compared: infra/local/rabbitmq (the reference, which docs/SECURITY.md explains), the compose broker's
setup script and the Kubernetes Permission objects."""
import re
import shlex
from pathlib import Path

# user -> (configure, write, read)
Grants = dict[str, tuple[str, str, str]]


def from_shell_script(path: Path) -> Grants:
    """The `set_permissions USER CONFIGURE WRITE READ` calls of a bash script, with its
    `readonly TOPOLOGY='...'` expanded and `\\$` read as `$`, as bash would. Users named by a
    variable ($APP_USER, the tests' all-powerful user) are left out."""
    text = path.read_text().replace("\\\n", " ")
    topology = re.search(r"^readonly TOPOLOGY='([^']*)'", text, re.MULTILINE)
    grants: Grants = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("set_permissions ") or "()" in stripped:
            continue
        words = shlex.split(stripped)
        if len(words) != 5:
            raise ValueError(f"{path}: cannot read {stripped!r} (expected set_permissions USER C W R)")
        words = [word.replace("\\$", "$") for word in words]
        if topology:
            words = [word.replace("$TOPOLOGY", topology.group(1)) for word in words]
        user, configure, write, read = words[1:]
        if "$" in user:
            continue
        grants[user] = (configure, write, read)
    return grants


def from_kubernetes(documents: list[dict], user_secrets: dict[str, str]) -> Grants:
    """The Permission objects, keyed by broker user name: a userReference names a User object, whose
    importCredentialsSecret's `username` (from `user_secrets`: Secret name -> username) is the name."""
    users = {d["metadata"]["name"]: d for d in documents if d.get("kind") == "User"}
    grants: Grants = {}
    for document in documents:
        if document.get("kind") != "Permission":
            continue
        spec = document["spec"]
        name = spec.get("user")
        if name is None:
            user = users.get(spec.get("userReference", {}).get("name"))
            secret = (user or {}).get("spec", {}).get("importCredentialsSecret", {}).get("name")
            name = user_secrets.get(secret, f"<User {spec.get('userReference', {}).get('name')}>")
        permissions = spec["permissions"]
        grants[name] = (permissions["configure"], permissions["write"], permissions["read"])
    return grants


def problems(reference: Grants, others: dict[str, Grants]) -> list:
    """Where `others` (source name -> grants) disagree with `reference` (infra/local/rabbitmq) or, for a
    user the reference does not know yet, with each other; and any worker user allowed more than its pool."""
    from .pools import FORBIDDEN_TO_WORKERS, POOLS
    from .problem import Problem

    found = []
    users = sorted(set().union(*(grants.keys() for grants in others.values())) | set(reference))
    for user in users:
        if user in reference:
            for source, grants in others.items():
                if grants.get(user) != reference[user]:
                    found.append(Problem(source, f"{user}'s permissions {grants.get(user)} differ from "
                                         f"infra/local/rabbitmq's {reference[user]}"))
        else:
            seen = {source: grants.get(user) for source, grants in others.items()}
            if len(set(seen.values())) != 1:
                found.append(Problem(", ".join(seen), f"{user}'s permissions disagree: {seen}"))
    for pool in POOLS.values():
        for source, grants in list(others.items()) + [("infra/local/rabbitmq", reference)]:
            if pool.user not in grants:
                if source != "infra/local/rabbitmq":
                    found.append(Problem(source, f"no permissions for {pool.user}"))
                continue
            configure, write, read = grants[pool.user]
            other_queues = [p.queue for p in POOLS.values() if p.queue != pool.queue]
            if configure != "^$":
                found.append(Problem(source, f"{pool.user} may configure {configure!r}; workers configure nothing"))
            if not (re.fullmatch(read, pool.queue) and re.fullmatch(read, "securenets.models")):
                found.append(Problem(source, f"{pool.user} cannot read its queue {pool.queue} and securenets.models"))
            for queue in other_queues + list(FORBIDDEN_TO_WORKERS):
                if re.fullmatch(read, queue):
                    found.append(Problem(source, f"{pool.user} may read {queue}, which is not its pool's"))
                if re.fullmatch(write, queue):
                    found.append(Problem(source, f"{pool.user} may write {queue}"))
    return found
