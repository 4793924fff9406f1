"""The real binaries' options, read from their own --help, and argv checked against them."""
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

BINARIES = ("securenets", "securenets-worker", "securenets-verifier")

_OPTION = re.compile(r"^  (?:-\w, )?(--[a-z0-9][a-z0-9-]*)(?: <[^>]+>)?")
_SUBCOMMAND = re.compile(r"^  ([a-z][a-z0-9-]*)( \(default\))?(?:\s|$)")
_ARGUMENT = re.compile(r"^  <[^>]+>")
_CHOICES = re.compile(r"\(values: ([^;)]+)")
_ENVIRONMENT = re.compile(r"SECURENETS_[A-Z0-9_]*[A-Z0-9]")


@dataclass
class CommandHelp:
    """What one (sub)command accepts: options (flag -> whether it takes a value, its choices)."""

    takes_value: dict = field(default_factory=dict)
    choices: dict = field(default_factory=dict)
    subcommands: list = field(default_factory=list)
    default_subcommand: str | None = None
    positionals: int = 0


class CommandLine:
    """Runs `<binary> [subcommand...] --help` for every binary and subcommand, once."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.commands: dict[tuple, CommandHelp] = {}
        self.environment_names: set[str] = set()
        for binary in BINARIES:
            path = bin_dir / binary
            if not path.is_file():
                raise FileNotFoundError(
                    f"{path} does not exist: build first (swift build) or pass --bin-dir")
            self._read(binary, ())

    def _read(self, binary: str, path: tuple) -> None:
        result = subprocess.run([str(self.bin_dir / binary), *path, "--help"], capture_output=True,
                                text=True, timeout=60)
        text = result.stdout + result.stderr
        if result.returncode != 0:
            raise RuntimeError(f"{binary} {' '.join(path)} --help exited {result.returncode}: {text[:300]}")
        self.environment_names |= set(_ENVIRONMENT.findall(text))
        help = CommandHelp()
        section, option = None, None
        blocks: dict[str, list[str]] = {}
        for line in text.splitlines():
            if re.match(r"^[A-Z][A-Z ]+:", line):
                section, option = line.split(":")[0], None
                continue
            if section == "OPTIONS":
                match = _OPTION.match(line)
                if match:
                    option = match.group(1)
                    help.takes_value[option] = "<" in match.group(0)
                    blocks[option] = [line]
                elif option and line.strip():
                    blocks[option].append(line)
            elif section == "SUBCOMMANDS":
                match = _SUBCOMMAND.match(line)
                if match and match.group(1) != "help":
                    help.subcommands.append(match.group(1))
                    if match.group(2):
                        help.default_subcommand = match.group(1)
            elif section == "ARGUMENTS" and _ARGUMENT.match(line):
                help.positionals += 1
        for option, lines in blocks.items():
            choices = _CHOICES.search(" ".join(part.strip() for part in lines))
            if choices:
                help.choices[option] = [value.strip() for value in choices.group(1).split(",")]
        self.commands[(binary, path)] = help
        for subcommand in help.subcommands:
            self._read(binary, path + (subcommand,))

    def check(self, argv: list[str]) -> list[str]:
        """Problems with `argv` (argv[0] the binary) as the real binary would parse it; [] when fine.

        Values written `$(VAR)` (Kubernetes) or `${VAR}` (compose) are taken as given.
        """
        if not argv:
            return ["empty command"]
        binary = Path(str(argv[0])).name
        if binary not in BINARIES:
            return [f"{argv[0]!r} is not one of the image's binaries ({', '.join(BINARIES)})"]
        path: tuple = ()
        index = 1
        while index < len(argv) and argv[index] in self.commands[(binary, path)].subcommands:
            path += (argv[index],)
            index += 1
        node = self.commands[(binary, path)]
        if node.subcommands:
            if node.default_subcommand is None:
                if argv[index:] in (["--help"], ["-h"]):
                    return []
                return [f"{binary} {' '.join(path)} needs a subcommand ({', '.join(node.subcommands)})"]
            path += (node.default_subcommand,)
            node = self.commands[(binary, path)]
        name = " ".join((binary,) + path)
        problems, positionals = [], 0
        while index < len(argv):
            token = str(argv[index])
            if token in ("-h", "--help"):
                pass
            elif token.startswith("--"):
                flag, has_inline, value = token.partition("=")
                if flag not in node.takes_value:
                    problems.append(f"{name} has no option {flag} (its --help lists {', '.join(sorted(node.takes_value))})")
                elif node.takes_value[flag] and not has_inline:
                    index += 1
                    if index >= len(argv):
                        problems.append(f"{name} {flag} needs a value")
                        break
                    value = str(argv[index])
                if flag in node.choices and "$" not in value and value not in node.choices[flag]:
                    problems.append(f"{name} {flag} {value!r} is not one of {', '.join(node.choices[flag])}")
            elif token.startswith("-"):
                problems.append(f"{name} has no option {token}")
            else:
                positionals += 1
            index += 1
        if positionals > node.positionals:
            problems.append(f"{name} takes {node.positionals} positional argument(s), got {positionals}")
        return problems
