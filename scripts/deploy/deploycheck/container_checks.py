"""Checks of infra/container/Dockerfile against what the deployments expect of the image."""
import re

from .command_line import BINARIES
from .problem import Problem

WHERE = "infra/container/Dockerfile"


def image_user(dockerfile: str) -> int | None:
    """The numeric uid of the runtime stage's USER, or None."""
    users = re.findall(r"^USER (\d+)(?::\d+)?\s*$", dockerfile, re.MULTILINE)
    return int(users[-1]) if users else None


def check(dockerfile: str, runtime_packages: list) -> list:
    problems = []
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?", dockerfile, re.MULTILINE)
    if len(stages) != 2 or not re.fullmatch(r"swift:\$\{SWIFT_VERSION\}-bookworm|swift:[0-9.]+-bookworm", stages[0][0]) \
            or stages[1][0] != "debian:bookworm-slim":
        problems.append(Problem(WHERE, "two stages: the official Swift image on bookworm, then debian:bookworm-slim"))
    if "--static-swift-stdlib" not in dockerfile:
        problems.append(Problem(WHERE, "builds with --static-swift-stdlib (the runtime stage has no Swift runtime)"))
    if "COPY infra/container/runtime-packages.txt" not in dockerfile or "xargs apt-get install" not in dockerfile:
        problems.append(Problem(WHERE, "the runtime stage installs exactly infra/container/runtime-packages.txt"))
    if not runtime_packages:
        problems.append(Problem("infra/container/runtime-packages.txt", "names no package"))
    for binary in BINARIES:
        if f'"$bin/{binary}"' not in dockerfile:
            problems.append(Problem(WHERE, f"does not install {binary}"))
    if image_user(dockerfile) in (None, 0):
        problems.append(Problem(WHERE, "the runtime stage ends with a numeric, non-root USER"))
    return problems
