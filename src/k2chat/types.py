"""The shared records: what ingest writes, what retrieval reads, what an answer carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from k2chat.text import markdown_escape

__all__ = ["QUOTE_JOIN", "Section", "Chunk", "Citation", "Answer", "DISCLAIMER"]

# One fixed text for every article (it names none: adding an article changes no code; the
# page and the refusal name the article, from its profile).
DISCLAIMER = (
    "k2chat shares general information quoted from a published article. "
    "It is not medical advice, diagnosis or treatment. Talk to your doctor or pharmacist "
    "before you start, stop or change any supplement or medicine."
)


QUOTE_JOIN = " … "  # joins verbatim fragments of one passage (a list's lead-in and its item)


@dataclass(frozen=True)
class Section:
    """One numbered section of an article, as read from ``corpus/*.md``."""

    article: str  # the file's stem, e.g. "vitamin-k2-dosage-bone-health"
    article_title: str
    number: int
    title: str
    body: str  # the section's Markdown, headings of sub-parts included
    navigation: bool = False  # site navigation (link lists): never retrievable


@dataclass(frozen=True)
class Chunk:
    """A passage small enough to quote. ``text`` is verbatim article text."""

    id: str
    article: str
    article_title: str
    section: int
    section_title: str
    position: int
    text: str
    heading: str = ""  # the sub-heading the passage sits under, if any
    context: str = ""  # a lead-in line ("... include:") that the passage continues
    # the sentences of its paragraph before it that its first sentence refers back to
    # ("Those drugs have ..." carries the sentence naming the drugs; k2chat.store.reference)
    before: str = ""
    # the passage goes on with the paragraph of the passage before it (a paragraph longer than
    # a passage is split into several; k2chat.store.chunk)
    continues: bool = False

    def embedding_text(self) -> str:
        """What gets embedded: the passage with its headings, so short bullets keep their topic."""
        parts = [self.section_title, self.heading, self.context, self.text]
        return " \n".join(p for p in parts if p)

    def metadata(self) -> dict[str, str | int]:
        return {
            "article": self.article,
            "article_title": self.article_title,
            "section": self.section,
            "section_title": self.section_title,
            "position": self.position,
            "heading": self.heading,
            "context": self.context,
            "before": self.before,
            "continues": int(self.continues),
        }

    @classmethod
    def from_record(cls, id: str, text: str, metadata: Mapping[str, Any]) -> Chunk:
        return cls(
            id=id,
            article=str(metadata["article"]),
            article_title=str(metadata.get("article_title", "")),
            section=int(metadata["section"]),
            section_title=str(metadata["section_title"]),
            position=int(metadata["position"]),
            text=text,
            heading=str(metadata.get("heading", "")),
            context=str(metadata.get("context", "")),
            before=str(metadata.get("before", "")),
            continues=bool(metadata.get("continues", 0)),
        )


@dataclass(frozen=True)
class Citation:
    """One source of an answer: where it is and the exact words quoted."""

    marker: int
    section: int
    section_title: str
    quote: str
    chunk_id: str
    score: float
    article_title: str = ""
    heading: str = ""  # the sub-heading the passage sits under, if any
    article: str = ""  # the article's file stem ("vitamin-k2-dosage-bone-health")
    names_article: bool = False  # the corpus holds several articles: the source names its own

    @property
    def fragments(self) -> tuple[str, ...]:
        """The verbatim pieces of article text the quote is made of."""
        return tuple(self.quote.split(QUOTE_JOIN))

    @property
    def location(self) -> str:
        """Where the quote is: "Section 4. Practical Takeaways ... › Evidence-Based ...", after
        the article's title ("Vitamin D and bones › Section 2. ...") when there are several."""
        place = f"Section {self.section}. {self.section_title}"
        if self.names_article and self.article_title:
            place = f"{self.article_title} › {place}"
        return f"{place} › {self.heading}" if self.heading else place

    def to_markdown(self) -> str:
        """The source line: where the quote is (the quote itself is in the answer body)."""
        return f"[{self.marker}] {markdown_escape(self.location)}"


@dataclass(frozen=True)
class Answer:
    """What k2chat says: a body with inline markers, its citations and the disclaimer."""

    question: str
    text: str
    citations: tuple[Citation, ...] = field(default_factory=tuple)
    grounded: bool = True
    emergency: bool = False
    # Questions the article answers near the passages cited (k2chat.related); each is one the
    # chain answers with its own lead. Empty for refusals and emergencies.
    related: tuple[str, ...] = ()

    @property
    def disclaimer(self) -> str:
        """Always the one fixed disclaimer; no question can change it."""
        return DISCLAIMER

    @property
    def chunk_ids(self) -> tuple[str, ...]:
        return tuple(c.chunk_id for c in self.citations)

    def body_markdown(self) -> str:
        """The body as Markdown: quoted article text is escaped, so it shows as written."""
        body = self.text
        for quote in sorted({c.quote for c in self.citations}, key=len, reverse=True):
            body = body.replace(quote, markdown_escape(quote))
        return body

    def sources_markdown(self) -> str:
        return "\n".join(f"- {c.to_markdown()}" for c in self.citations)

    def disclaimer_markdown(self) -> str:
        return f"_{DISCLAIMER}_"

    def to_markdown(self) -> str:
        """Body, sources and disclaimer: exactly what the chat UI shows."""
        parts = [self.body_markdown()]
        if self.citations:
            parts.append("**Sources**\n\n" + self.sources_markdown())
        parts.append(self.disclaimer_markdown())
        return "\n\n".join(parts)

    def to_text(self) -> str:
        """Body, sources and disclaimer as plain text, for a terminal (no Markdown escapes)."""
        parts = [self.text.replace("**", "")]
        if self.citations:
            parts.append("Sources:\n" + "\n".join(f"[{c.marker}] {c.location}"
                                                   for c in self.citations))
        parts.append(DISCLAIMER)
        return "\n\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "text": self.text,
            "grounded": self.grounded,
            "emergency": self.emergency,
            "citations": [c.__dict__ for c in self.citations],
            "related": list(self.related),
            "disclaimer": self.disclaimer,
        }
