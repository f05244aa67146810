"""Plausible wrong solutions, kept as data: one module per assignment with a ``MUTANTS`` list.

The pipeline test splices each mutant into the source notebook's solution cell, autogrades the
result with real nbgrader, and checks that the test cell named in ``catches`` loses its points.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    """Replace ``find`` (which must occur exactly once) by ``replace`` in solution cell ``cell``."""

    name: str
    cell: str  # grade_id of the solution cell to edit
    find: str
    replace: str
    catches: str  # grade_id of the test cell that must lose its points
    why: str  # the student's bug, in words


def mutants_for(assignment: str) -> list[Mutant]:
    """The mutants of ``assignment`` (an empty list if it has no module yet)."""
    try:
        module = importlib.import_module(f"tests.mutants.{assignment}")
    except ModuleNotFoundError as error:
        if error.name == f"tests.mutants.{assignment}":
            return []
        raise
    return list(module.MUTANTS)
