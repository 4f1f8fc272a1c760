"""An action refused for reasons a person reads: one exception for every "cannot" of both apps."""

from __future__ import annotations


class Refused(Exception):
    """Refused, with each reason a sentence in the reader's words (``problems``), shown as a list."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems
