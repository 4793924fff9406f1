"""Checks of infra/compose/compose.yaml: the image's services run real command lines with real
variables and the right broker user, every interpolated variable is one new-env writes, and every
service, volume and file it names exists."""
import re
from pathlib import Path, PurePosixPath

from .command_line import BINARIES
from .pools import pool_of_flag
from .problem import Problem
from .urls import parts

_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+][^}]*)?\}")
# The broker user and database role each binary logs in as.
BROKER_USER = {"securenets-verifier": "securenets-verifier", "securenets": "securenets-producer"}
DATABASE_ROLE = {"securenets-verifier": "securenets", "securenets": "securenets_auditor"}


def _is_securenets(service: dict) -> bool:
    build = service.get("build") or {}
    return str(service.get("image", "")).split(":")[0] == "securenets" or "infra/container/Dockerfile" in str(
        build.get("dockerfile", ""))


def _argv(service: dict) -> list:
    entrypoint, command = service.get("entrypoint"), service.get("command")
    for value in (entrypoint, command):
        if isinstance(value, str):
            raise ValueError("write entrypoint and command as lists")
    return list(entrypoint or []) + list(command or [])


def check(compose, repo: Path, cli, environment_names: set) -> list:
    where = str(compose.path.relative_to(repo)) if compose.path.is_relative_to(repo) else str(compose.path)
    problems = []
    text = compose.path.read_text()
    for variable, modifier in _INTERPOLATION.findall(text):
        if variable not in compose.env_variables and not (modifier or "").lstrip(":").startswith("-"):
            problems.append(Problem(where, f"${{{variable}}} is not one of the variables infra/compose/new-env writes"))
    data = compose.data
    services = data.get("services") or {}
    volumes = set((data.get("volumes") or {}).keys())
    for name, service in services.items():
        here = f"{where} service {name}"
        for dependency in service.get("depends_on") or {}:
            if dependency not in services:
                problems.append(Problem(here, f"depends on {dependency}, which is no service"))
        for mount in service.get("volumes") or []:
            source = str(mount).split(":")[0]
            if source.startswith(("./", "../")):
                if not (compose.path.parent / source).exists():
                    problems.append(Problem(here, f"mounts {source}, which does not exist"))
            elif not source.startswith(("/", "$")) and source not in volumes:
                problems.append(Problem(here, f"mounts volume {source}, which is not declared"))
        if not _is_securenets(service):
            image = str(service.get("image", ""))
            if ":" not in image or image.endswith(":latest"):
                problems.append(Problem(here, f"image {image!r} needs a pinned tag"))
            continue
        build = service.get("build") or {}
        context = (compose.path.parent / build.get("context", ".")).resolve()
        if not (context / "Package.swift").exists() or not (context / build.get("dockerfile", "Dockerfile")).exists():
            problems.append(Problem(here, "build must use the repository root as context and infra/container/Dockerfile"))
        if "user" in service:
            problems.append(Problem(here, "runs as the image's unprivileged user: no user override"))
        try:
            argv = _argv(service)
        except ValueError as error:
            problems.append(Problem(here, str(error)))
            continue
        problems += [Problem(here, message) for message in cli.check(argv)]
        binary = PurePosixPath(str(argv[0])).name if argv else ""
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(str(entry).split("=", 1) for entry in environment)
        for variable, value in environment.items():
            if variable.startswith("SECURENETS_") and variable not in environment_names:
                problems.append(Problem(here, f"{variable} is read by no SecureNets binary"))
        if binary not in BINARIES or argv[1:2] in (["--help"], ["keygen"]):
            continue
        role = {"securenets-worker": "WORKER", "securenets-verifier": "VERIFIER", "securenets": "PRODUCER"}[binary]
        url = environment.get(f"SECURENETS_{role}_AMQP_URL")
        if binary == "securenets-worker":
            flag = argv[argv.index("--pool") + 1] if "--pool" in argv[:-1] else None
            try:
                expected = pool_of_flag(flag).user
            except KeyError:
                problems.append(Problem(here, f"--pool {flag} is no pool of issue 8's (data, mask)"))
                continue
        else:
            expected = BROKER_USER[binary]
        if url is None or parts(str(url))[1] != expected:
            problems.append(Problem(here, f"SECURENETS_{role}_AMQP_URL must log in as {expected}"))
        if binary in DATABASE_ROLE:
            database = environment.get("SECURENETS_DATABASE_URL")
            if database is None or parts(str(database))[1] != DATABASE_ROLE[binary]:
                problems.append(Problem(here, f"SECURENETS_DATABASE_URL must log in as {DATABASE_ROLE[binary]}"))
    return problems
