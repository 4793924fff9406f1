"""The SECURENETS_* variables the binaries read: those their --help names, and the string literals in
Sources/ (ServiceEnvironment reads SECURENETS_<ROLE>_AMQP_URL, SECURENETS_LOG_LEVEL, ...)."""
import re
from pathlib import Path

_LITERAL = re.compile(r'"(SECURENETS_[A-Z0-9_]*[A-Z0-9])"')


def known(repo: Path, from_help: set) -> set:
    names = set(from_help)
    for source in (repo / "Sources").rglob("*.swift"):
        names |= set(_LITERAL.findall(source.read_text(errors="replace")))
    return names
