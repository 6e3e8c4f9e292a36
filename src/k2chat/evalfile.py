"""Evaluation files read against a schema: every bad case is named on one line, none is guessed.

A question set is a YAML list of cases (``id``, ``question``, optional ``sections``, ``facts``,
``history``, ``refuse``, ``tags``; other keys, such as a blind round's ``key_points``, are
kept out of the way); an emergency set is a list of ``text`` + ``label`` (medical, self_harm or
none). An empty file, a file that is not UTF-8 YAML, a top level that is not a list, or any
case that does not fit is a :class:`~k2chat.errors.SettingsError` (exit 2) listing each
problem (issue 22, item 14).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError

from k2chat.errors import SettingsError

__all__ = ["QuestionCase", "EmergencyCase", "read_questions", "read_emergencies"]

MAX_REPORTED = 20  # problems listed before "... and n more"


def _number_as_text(value: Any) -> Any:
    """YAML reads ``- 200`` as a number; a fact or id written so is still its text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_number_as_text), Field(min_length=1)]


class QuestionCase(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Text
    question: Text
    sections: list[int] = []
    facts: list[Text] = []
    history: list[Text] = []
    refuse: StrictBool = False
    tags: list[Text] = []


class EmergencyCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Text
    label: Literal["medical", "self_harm", "none"]


def _items(path: Path) -> list[Any]:
    import yaml

    try:
        raw = yaml.safe_load(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not a UTF-8 text file (an evaluation file is YAML)."
                            ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SettingsError(f"{path}: not valid YAML{where}.") from None
    if raw is None or raw == []:
        raise SettingsError(f"{path}: holds no cases (an evaluation file is a YAML list).")
    if not isinstance(raw, list):
        raise SettingsError(f"{path}: must be a YAML list of cases, not a "
                            f"{type(raw).__name__}.")
    return raw


def _read(path: Path, model: type[BaseModel]) -> list[Any]:
    out, problems = [], []
    for number, item in enumerate(_items(path), start=1):
        name = f"case {number}"
        if isinstance(item, dict) and "id" in item:
            name += f" (id {str(item['id'])[:40]!r})"
        if not isinstance(item, dict):
            problems.append(f"{path}: {name}: must be a mapping of fields, not a "
                            f"{type(item).__name__}")
            continue
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"]) or "case"
                problems.append(f"{path}: {name}: {field}: {error['msg']}")
    if problems:
        shown = problems[:MAX_REPORTED]
        if len(problems) > MAX_REPORTED:
            shown.append(f"... and {len(problems) - MAX_REPORTED} more")
        raise SettingsError("the evaluation file has bad cases:\n" + "\n".join(shown))
    return out


def read_questions(path: Path) -> list[QuestionCase]:
    return _read(path, QuestionCase)


def read_emergencies(path: Path) -> list[EmergencyCase]:
    return _read(path, EmergencyCase)
