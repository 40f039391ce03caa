"""The ``explain`` record every calculator returns: inputs, each parameter used with its value,
source and confidence, and the intermediate steps; ``provisional`` when any parameter used is
tagged U (uncertain) in its parameter file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flexcover.rules.parameters import ParameterValue


@dataclass
class Explain:
    calculator: str
    inputs: dict[str, Any] = field(default_factory=dict)
    parameters: list[ParameterValue] = field(default_factory=list)
    steps: list[tuple[str, str, Any]] = field(default_factory=list)

    def use(self, value: ParameterValue) -> ParameterValue:
        """Record that a parameter was used (once) and hand it back."""
        if all(existing.label != value.label for existing in self.parameters):
            self.parameters.append(value)
        return value

    def step(self, name: str, formula: str, value: Any) -> None:
        self.steps.append((name, formula, value))

    @property
    def uncertain(self) -> list[str]:
        return [value.label for value in self.parameters if value.uncertain]

    @property
    def carried(self) -> list[str]:
        """The parameters applied past their last period (the new figure is not published)."""
        return [value.label for value in self.parameters if value.carried]

    @property
    def provisional(self) -> bool:
        return bool(self.uncertain)

    def to_dict(self) -> dict[str, Any]:
        return {
            "calculator": self.calculator,
            "inputs": {name: _plain(value) for name, value in self.inputs.items()},
            "parameters": [value.describe() for value in self.parameters],
            "steps": [
                {"name": name, "formula": formula, "value": _plain(value)}
                for name, formula, value in self.steps
            ],
            "provisional": self.provisional,
            "uncertain": self.uncertain,
            "carried_forward": self.carried,
        }


def _plain(value: Any) -> Any:
    """JSON-friendly: arrays of one become scalars, longer arrays lists (capped for size)."""
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return value.reshape(-1)[0].item()
        if value.size > 20:
            return {"count": int(value.size), "first": value.reshape(-1)[:20].tolist()}
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value if isinstance(value, (int, str, bool, float, type(None))) else str(value)
