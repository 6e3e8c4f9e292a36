"""Text handling shared by ingest, retrieval and answering, one idea per module (ground floor:
it imports only :mod:`k2chat.textgate`):

- :mod:`~k2chat.text.clean`: a question made safe to read, text and facts made comparable;
- :mod:`~k2chat.text.words`: the stop words and the everyday (generic) words;
- :mod:`~k2chat.text.stem`: the light stemmer;
- :mod:`~k2chat.text.thesaurus`: a reader's words for the article's (queries only);
- :mod:`~k2chat.text.tokens`: tokens for lexical search (uses the four above);
- :mod:`~k2chat.text.sentences`: sentences (the article's; where a reader's message and its
  claims break) and the numbers a text states;
- :mod:`~k2chat.text.typo`: the misspelling index and the per-word memo;
- :mod:`~k2chat.text.markdown`: Markdown escaping.

The public names are importable from ``k2chat.text`` itself, as before the split.
"""

from __future__ import annotations

from k2chat.text.clean import clean_question, normalize, normalize_fact, without_eponyms
from k2chat.text.markdown import markdown_escape
from k2chat.text.sentences import MESSAGE_BREAK, QUOTED_END, numbers_in, split_sentences
from k2chat.text.stem import GENERIC_STEMS
from k2chat.text.tokens import compounds, tokenize
from k2chat.text.typo import TypoIndex, WordMemo
from k2chat.text.words import GENERIC, STOPWORDS

__all__ = [
    "normalize_fact",
    "clean_question",
    "normalize",
    "without_eponyms",
    "tokenize",
    "split_sentences",
    "MESSAGE_BREAK",
    "QUOTED_END",
    "numbers_in",
    "markdown_escape",
    "STOPWORDS",
    "GENERIC",
    "GENERIC_STEMS",
    "compounds",
    "TypoIndex",
    "WordMemo",
]
