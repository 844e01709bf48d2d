"""The immutable base every value object and message derives from."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Frozen, strict about unknown fields, and validated again on every change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def replace(self, **changes: Any) -> Self:
        """A new, validated instance with `changes` applied (`model_copy` would skip validation)."""
        return type(self).model_validate({**self.model_dump(), **changes})
