"""What k2chat knows about each article, kept beside it: ``corpus/<article>.profile.yaml``.

An article's profile holds everything specific to it that is not its text: the subject the
page and the messages name, the questions the page offers as examples, the forms of the
substance it names (``mk7`` shown as "MK-7"), the units its doses are written in ("mcg")
and which unit each form is dosed in (``mk4``: "mg"), and where its labelled examples live.
The curated safety statements stay in their own file beside it (``<article>.safety.yaml``,
:mod:`k2chat.store.statements`): they are long, verbatim-checked data with their own format.

:func:`load_profile` is the one way in: it reads every article's profile (an article without
one gets a generic profile that names only its title), checks it (a malformed profile is a
:class:`~k2chat.errors.CorpusError` naming the file and the field) and caches the result
until a profile or article file changes. With several articles, :class:`CorpusProfile`
merges them (the example questions take turns, the forms are pooled) and says that sources
must name their article.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from itertools import chain, zip_longest
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from k2chat.errors import CorpusError
from k2chat.store.corpus import article_files, read_article
from k2chat.vocabulary import Vocabulary

__all__ = ["PROFILE_SUFFIX", "ArticleProfile", "CorpusProfile", "load_profile", "profile_file"]

PROFILE_SUFFIX = ".profile.yaml"


class ArticleProfile(BaseModel):
    """One article's profile, as its ``.profile.yaml`` gives it (see README, "Adding an
    article"). Unknown fields are refused, so a misspelt field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # what the article is about, in the reader's words: "Please ask a question about {subject}."
    subject: str = Field(min_length=1)
    # what it answers, for the "not covered" message: "It can answer questions about {covers}."
    covers: str = Field(min_length=1)
    # the page's invitation before the first question: "Ask about {ask_about}."
    ask_about: str = Field(min_length=1)
    # questions it answers, offered on the page and after a refusal (the first ones first)
    example_questions: tuple[str, ...] = ()
    # the forms of its substance, as k2chat.text.normalize spells them -> as the reader sees them
    forms: dict[str, str] = Field(default_factory=dict)
    # what a form is, said before the article's lines when a reader asks ("what is mk-7"),
    # joining only what those lines show: form (as ``forms`` keys it) -> one sentence
    form_notes: dict[str, str] = Field(default_factory=dict)
    # the units its doses are written in, every spelling it uses ("mcg", "micrograms", "IU")
    dose_units: tuple[str, ...] = ()
    # the unit each form is dosed in, one of dose_units ("mk4": "mg"): an amount is read
    # against the form's figures (k2chat.chain.topics: 45 mg of MK-4 is no overdose)
    dosed_in: dict[str, str] = Field(default_factory=dict)
    # how readers write its forms' names, regular expressions, case ignored ('mk[\s-]?\d+'):
    # "And for MK-4?" after a question naming another form asks it about MK-4
    form_names: tuple[str, ...] = ()
    # the substance's own names besides its forms' (regular expressions, case ignored:
    # 'vitamin k[12]?', 'menaquinones?'): with form_names, what makes a question about it
    substance_names: tuple[str, ...] = ()
    # what else makes a question self-contained, not a follow-up (regular expressions, case
    # ignored): what the article is mostly about besides its substance ('warfarin')
    subject_names: tuple[str, ...] = ()
    # words by which it speaks of its substance besides its forms, as k2chat.text.normalize
    # spells them ("k2", "supplement"): the substance's side when a question compares it with
    # a medicine (k2chat.chain.compare)
    substance_words: tuple[str, ...] = ()
    # foods it names as its substance's sources, spelt the same way ("natto"): a question
    # setting one against a medicine it compares its substance with is about the substance
    # ("stop my alendronate and just eat natto instead"; k2chat.chain.answerable)
    substance_foods: tuple[str, ...] = ()
    # names in the drug table that are its substance's own biology or nutrients, not a
    # medicine compared with it ("osteocalcin", "menaquinone")
    not_medicines: tuple[str, ...] = ()
    # its own words for the medicines it compares its substance with ("bisphosphonates",
    # "alendronate", "medication"), and readers' words for the same medicines ("fosamax",
    # "prescription", "shots"): a question naming one compares it with the substance
    medicine_words: tuple[str, ...] = ()
    reader_medicine_words: tuple[str, ...] = ()
    # its labelled examples (k2chat.fit), files in the package's data folder
    labelled_examples: tuple[str, ...] = ()

    @field_validator("example_questions", "labelled_examples", "dose_units")
    @classmethod
    def _no_blank(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not v.strip() for v in values):
            raise ValueError("an entry is empty")
        return values

    @field_validator("substance_words", "substance_foods", "not_medicines", "medicine_words",
                     "reader_medicine_words")
    @classmethod
    def _words_as_normalized(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if value != value.lower() or not value.isalnum():
                raise ValueError(f"{value!r}: a word is written as k2chat.text.normalize "
                                 "spells it (lower case letters and digits: k2)")
        return values

    @field_validator("form_names", "substance_names", "subject_names")
    @classmethod
    def _patterns(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not value.strip():
                raise ValueError("an entry is empty")
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"{value!r} is not a regular expression: {exc}") from None
            if re.compile(value).groups:
                raise ValueError(f"{value!r}: write groups as (?:...)")
        return values

    @field_validator("forms")
    @classmethod
    def _forms_as_normalized(cls, forms: dict[str, str]) -> dict[str, str]:
        for key in forms:
            if key != key.lower() or not key.isalnum():
                raise ValueError(f"{key!r}: a form is written as k2chat.text.normalize "
                                 "spells it (lower case letters and digits: mk7)")
        return forms


    @model_validator(mode="after")
    def _dosed_in_known(self) -> ArticleProfile:
        for form, unit in self.dosed_in.items():
            if form not in self.forms:
                raise ValueError(f"dosed_in: {form!r} is not one of its forms")
            if unit not in self.dose_units:
                raise ValueError(f"dosed_in: {unit!r} ({form}) is not one of its dose_units")
        return self


@dataclass(frozen=True)
class Article:
    """An article of the corpus: its file's stem, its ``# Title`` and its profile."""

    slug: str
    title: str
    profile: ArticleProfile
    profiled: bool  # False: no profile file, the generic default


@dataclass(frozen=True)
class CorpusProfile:
    """The profiles of every article in the corpus, merged where the page and the chain need
    one value."""

    articles: tuple[Article, ...]

    @property
    def many(self) -> bool:
        """More than one article: a source names its article."""
        return len(self.articles) > 1

    @property
    def subject(self) -> str:
        return " and ".join(a.profile.subject for a in self.articles)

    @property
    def covers(self) -> str:
        return "; ".join(a.profile.covers for a in self.articles)

    @property
    def ask_about(self) -> str:
        return "; ".join(a.profile.ask_about for a in self.articles)

    @property
    def titles(self) -> tuple[str, ...]:
        return tuple(a.title for a in self.articles)

    @property
    def example_questions(self) -> tuple[str, ...]:
        """Every article's examples, taking turns (so the first three name each article)."""
        turns = zip_longest(*(a.profile.example_questions for a in self.articles))
        return tuple(dict.fromkeys(q for q in chain.from_iterable(turns) if q is not None))

    @property
    def forms(self) -> dict[str, str]:
        return {k: v for a in self.articles for k, v in a.profile.forms.items()}

    @property
    def form_notes(self) -> dict[str, str]:
        return {k: v for a in self.articles for k, v in a.profile.form_notes.items()}

    @property
    def vocabulary(self) -> Vocabulary:
        """Every article's forms and dose units, pooled: what the chain matches text with
        (built on each call: the pipeline keeps one)."""
        return _vocabulary(self)

    @property
    def labelled_examples(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for a in self.articles for f in a.profile.labelled_examples))


def _vocabulary(profile: CorpusProfile) -> Vocabulary:
    units = (u for a in profile.articles for u in a.profile.dose_units)
    dosed_in = {f: u for a in profile.articles for f, u in a.profile.dosed_in.items()}
    form_names = (n for a in profile.articles for n in a.profile.form_names)
    substance_names = (n for a in profile.articles for n in a.profile.substance_names)
    subject_names = (n for a in profile.articles for n in a.profile.subject_names)
    substance_words = (w for a in profile.articles for w in a.profile.substance_words)
    substance_foods = (w for a in profile.articles for w in a.profile.substance_foods)
    not_medicines = (w for a in profile.articles for w in a.profile.not_medicines)
    medicine_words = (w for a in profile.articles for w in a.profile.medicine_words)
    reader_medicine_words = (w for a in profile.articles for w in a.profile.reader_medicine_words)
    return Vocabulary(forms=frozenset(profile.forms), dose_units=tuple(dict.fromkeys(units)),
                      dosed_in=tuple(sorted(dosed_in.items())),
                      form_names=tuple(dict.fromkeys(form_names)),
                      substance_names=tuple(dict.fromkeys(substance_names)),
                      subject_names=tuple(dict.fromkeys(subject_names)),
                      substance_words=frozenset(substance_words),
                      substance_foods=frozenset(substance_foods),
                      not_medicines=frozenset(not_medicines),
                      medicine_words=frozenset(medicine_words),
                      reader_medicine_words=frozenset(reader_medicine_words))


def profile_file(article: Path) -> Path:
    """``corpus/x.md`` -> ``corpus/x.profile.yaml``."""
    return article.with_name(article.stem + PROFILE_SUFFIX)


def _title(article: Path) -> str:
    return read_article(article)[0].article_title


def _generic(title: str) -> ArticleProfile:
    """An article without a profile: messages name its title; no examples, no forms."""
    return ArticleProfile(subject=f"the article \"{title}\"", covers=f"what \"{title}\" says",
                          ask_about=f"\"{title}\"")


def _read(path: Path) -> ArticleProfile:
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CorpusError(f"Cannot read the article profile {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise CorpusError(f"The article profile {path} must be a YAML mapping of fields "
                          "(subject, covers, example_questions, ...); see README, "
                          "\"Adding an article\".")
    try:
        return ArticleProfile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'profile'}: {e['msg']}"
                             for e in exc.errors())
        raise CorpusError(f"The article profile {path} is not valid: {problems}") from None


@functools.lru_cache(maxsize=8)
def _load(corpus_dir: Path, stamp: tuple[tuple[str, int, int], ...]) -> CorpusProfile:
    articles = []
    for path in article_files(corpus_dir):
        title = _title(path)
        profile_path = profile_file(path)
        if profile_path.is_file():
            articles.append(Article(path.stem, title, _read(profile_path), True))
        else:
            articles.append(Article(path.stem, title, _generic(title), False))
    return CorpusProfile(tuple(articles))


def _stamp(corpus_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of every article and profile: the cache key."""
    out = []
    for path in article_files(corpus_dir):
        for p in (path, profile_file(path)):
            st = p.stat() if p.is_file() else None
            out.append((p.name, st.st_size if st else -1, st.st_mtime_ns if st else -1))
    return tuple(out)


def load_profile(corpus_dir: Path) -> CorpusProfile:
    """The profiles of the articles in ``corpus_dir`` (read once, again when a file changes).
    Raises :class:`~k2chat.errors.CorpusError` for a missing corpus or a malformed profile."""
    return _load(corpus_dir.resolve(), _stamp(corpus_dir))
