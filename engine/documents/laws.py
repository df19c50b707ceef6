"""The law register (`rules/laws.yaml`): the laws normative documents rely on and their versions.

`LawRegister.amended_after(title, version_date, as_of)` answers SPEC §B.7's clean-up trigger
"the basis law was amended after the document was issued": the newest version adopted after
`version_date` and in force by `as_of` (CASE_FORMAT §3, `basis`).
"""
from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from engine.core.errors import InputError, Problem, problems_from_errors
from engine.core.yamlio import load_document

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "rules" / "laws.yaml"


class LawVersion(BaseModel):
    """One version of a law: adopted (通过/修正/修订/公布) on a date, in force from a date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    adopted_on: date
    in_force_from: date | None = None   # null: not stated by the source; taken as adopted_on
    note: str = ""

    @property
    def effective_from(self) -> date:
        return self.in_force_from or self.adopted_on


class Law(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    versions: tuple[LawVersion, ...]
    repealed_on: date | None = None
    source: str
    verified: Literal["V1", "V2"] | Literal[False]

    @field_validator("versions")
    @classmethod
    def _ordered(cls, versions: tuple[LawVersion, ...]) -> tuple[LawVersion, ...]:
        if not versions:
            raise ValueError("至少要有一个版本 / at least one version is needed")
        dates = [v.adopted_on for v in versions]
        if dates != sorted(set(dates)):
            raise ValueError("版本应按通过日期由早到晚排列且不重复 / versions must be in ascending, distinct adoption order")
        return versions


class LawFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    laws: tuple[Law, ...]

    @model_validator(mode="after")
    def _unique(self) -> "LawFile":
        titles = [law.title for law in self.laws]
        duplicated = sorted({t for t in titles if titles.count(t) > 1})
        if duplicated:
            raise ValueError(f"法律名称重复 / duplicate titles: {', '.join(duplicated)}")
        return self


class LawRegister:
    """The laws by full official title."""

    def __init__(self, laws: tuple[Law, ...], source: str = "") -> None:
        self.laws = {law.title: law for law in laws}
        self.source = source

    def known(self, title: str) -> bool:
        """Is this full official title in the register?"""
        return title in self.laws

    def law(self, title: str) -> Law | None:
        return self.laws.get(title)

    def version(self, title: str, adopted_on: date) -> LawVersion | None:
        """The version of a law adopted on exactly that date, if the register lists it."""
        law = self.laws.get(title)
        return next((v for v in law.versions if v.adopted_on == adopted_on), None) if law else None

    def amended_after(self, title: str, version_date: date, as_of: date) -> LawVersion | None:
        """The newest version adopted after `version_date` and in force by `as_of`, else None
        (None too for a title the register does not know — ask `known` first)."""
        law = self.laws.get(title)
        if law is None:
            return None
        newer = [v for v in law.versions if v.adopted_on > version_date and v.effective_from <= as_of]
        return newer[-1] if newer else None

    def repealed_by(self, title: str, as_of: date) -> date | None:
        """The date the law was repealed, when that is on or before `as_of`."""
        law = self.laws.get(title)
        return law.repealed_on if law and law.repealed_on and law.repealed_on <= as_of else None


def load_laws(path: Path | str = DEFAULT_PATH) -> LawRegister:
    """Load a law register; every problem is an InputError naming the file and line."""
    loaded = load_document(path)
    name = str(path)
    try:
        parsed = LawFile.model_validate(loaded.data)
    except ValidationError as exc:
        raise InputError(problems_from_errors(exc.errors(), name, loaded.line_of)) from None
    return LawRegister(parsed.laws, name)


@functools.lru_cache(maxsize=4)
def default_laws(path: str = str(DEFAULT_PATH)) -> LawRegister:
    """The shipped law register, loaded once."""
    return load_laws(path)


__all__ = ["DEFAULT_PATH", "Law", "LawRegister", "LawVersion", "Problem", "default_laws", "load_laws"]
