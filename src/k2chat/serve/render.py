"""What the chat shows of an answer: the API's messages (body, Sources, disclaimer), and the
page's messages for each turn (the user's words escaped, an emergency as an alert, a refusal's
example questions and the related questions as options, one card per citation that opens the
whole section with the cited words marked, the turn's Markdown for Copy). Pure functions of
the :class:`~k2chat.types.Answer`; no Gradio objects.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt

from k2chat.chain.answer import EXAMPLE_QUESTIONS
from k2chat.serve.conversation import Conversation
from k2chat.text import markdown_escape
from k2chat.types import Answer, Citation, Section

__all__ = ["RELATED_TITLE", "SOURCES_TITLE"]


SOURCES_TITLE = "Sources"
RELATED_TITLE = "Related questions"


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, list | tuple):
        return " ".join(_text_of(c) for c in content)
    return ""


def _as_text(text: str, limit: int) -> str:
    """A user's words for display: Markdown/HTML escaped, cut to the question limit (a lone
    surrogate, which no page can show or send, becomes "?")."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    shown = shown.encode("utf-8", "replace").decode("utf-8")
    return markdown_escape(shown)


def _unescape(text: str) -> str:
    """Undo :func:`markdown_escape` (every backslash it leaves is an escape)."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around cited words while rendering


_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["link", "image", "autolink"])


def _section_html(section: Section | None, citation: Citation) -> str:
    """The whole section as the article has it (lists as lists, sub-headings as headings),
    rendered from its Markdown with raw HTML escaped, the cited words in ``<mark>``."""
    if section is None:
        return f"<blockquote>{html.escape(citation.quote)}</blockquote>"
    text = section.body.replace(_OPEN, "").replace(_CLOSE, "")
    for fragment in citation.fragments:
        for line in filter(None, (part.strip() for part in fragment.splitlines())):
            at = text.find(line)
            if at >= 0:
                text = text[:at] + _OPEN + line + _CLOSE + text[at + len(line):]
    shown = _MARKDOWN.render(text)
    shown = shown.replace(_OPEN, '<mark class="k2-cited">').replace(_CLOSE, "</mark>")
    # The article's headings sit under the card's own: one level down, at most h4.
    shown = re.sub(r"<(/?)h[1-6]>", r"<\1h4>", shown).replace("\n", " ")  # one HTML block
    return f'<div class="k2-section">{shown}</div>'


def _sources_html(answer: Answer, turn: int, sections: dict[int, Section]) -> str:
    """One readable card per citation; each opens the whole section, its quote marked."""
    cards = []
    for c in answer.citations:
        card_id = f"k2-src-{turn}-{c.marker}"
        cards.append(
            f'<details class="k2-card" id="{card_id}">'
            f'<summary><span class="k2-marker">[{c.marker}]</span> '
            f"{html.escape(c.location)}</summary>"
            f"{_section_html(sections.get(c.section), c)}</details>"
        )
    return f'<div class="k2-sources"><p class="k2-sources-title">{SOURCES_TITLE}</p>' + \
        "".join(cards) + "</div>"


def _messages(answer: Answer) -> list[dict[str, Any]]:
    """What the API returns: body (with markers), Sources (if any), then the disclaimer."""
    messages: list[dict[str, Any]] = [{"role": "assistant", "content": answer.body_markdown()}]
    if answer.citations:
        messages.append({
            "role": "assistant",
            "content": answer.sources_markdown(),
            "metadata": {"title": f"{SOURCES_TITLE} ({len(answer.citations)})", "status": "done"},
        })
    messages.append({"role": "assistant", "content": answer.disclaimer_markdown()})
    return messages


def _turn_messages(number: int, question: str, answer: Answer, sections: dict[int, Section],
                   limit: int, last: bool = False) -> list[dict[str, Any]]:
    body = answer.body_markdown()
    options: list[str] = []
    if answer.emergency:
        # An emergency reply is an alert: announced at once, and styled apart (page.css).
        body = f'<div class="k2-alert" role="alert">\n\n{body}\n\n</div>'
    elif not answer.grounded:
        # A refusal offers questions the article does answer as buttons that ask them (Gradio
        # shows the options of the conversation's last message), each once: the ones its text
        # lists leave the text for their buttons; else every example.
        lines = body.split("\n")
        options = [q for q in EXAMPLE_QUESTIONS if f"- {markdown_escape(q)}" in lines
                   or f"- {q}" in lines] or list(EXAMPLE_QUESTIONS)
        listed = {f"- {q}" for q in options} | {f"- {markdown_escape(q)}" for q in options}
        body = "\n".join(line for line in lines if line not in listed).rstrip()
    elif answer.related and last:
        # Related questions (Answer.related), as buttons that ask them: Gradio shows the
        # options of the conversation's last message only, so the latest answer offers them.
        options = list(answer.related)
    out: list[dict[str, Any]] = [{"role": "user", "content": _as_text(question, limit)},
                                 {"role": "assistant", "content": body}]
    if answer.citations:
        out.append({"role": "assistant", "content": _sources_html(answer, number, sections)})
    # Copy gives the turn's Markdown, Answer.to_markdown(), which page.js reads from here
    # (percent-encoded: the sanitizer keeps a title, and no Markdown or HTML can come of it).
    markdown = quote(answer.to_markdown(), safe="")
    closing = f'<span class="k2-md" hidden title="{markdown}"></span>{answer.disclaimer_markdown()}'
    if options and answer.grounded:
        closing += f'\n\n<p class="k2-related-title">{RELATED_TITLE}</p>'
    final: dict[str, Any] = {"role": "assistant", "content": closing}
    if options:
        final["options"] = [{"label": q, "value": q} for q in options]
    out.append(final)
    return out


def _shown(conversation: Conversation | None, sections: dict[int, Section], limit: int,
           unstored: tuple[str, Answer] | None = None) -> list[dict[str, Any]]:
    """The page's messages: every stored turn, then a reply that was not stored (the one that
    says the conversation is full)."""
    out: list[dict[str, Any]] = []
    turns = conversation.turns if conversation else []
    for number, turn in enumerate(turns):
        out.extend(_turn_messages(number, turn.question, turn.answer, sections, limit,
                                  last=not unstored and number == len(turns) - 1))
    if unstored:
        out.extend(_turn_messages(len(turns), *unstored, sections, limit, last=True))
    return out
