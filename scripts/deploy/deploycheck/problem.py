"""One thing wrong with a deployment file."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """`where` names the file or rendered object; `message` says what is wrong and what was expected."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"
