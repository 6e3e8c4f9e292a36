"""Bad input through every face (ask, Chat, the CLI, the UI's API) gets an answer or a clear
message, always with the disclaimer, never an exception or a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

import k2chat
from k2chat.chain import safety
from k2chat.settings import Settings
from k2chat.store.profile import load_profile
from k2chat.types import Answer

from .conftest import CORPUS

ARTICLE = (CORPUS / "vitamin-k2-dosage-bone-health.md").read_text(encoding="utf-8")
Q = "How much MK-7 is used for osteoporosis?"
LONG = (Q + " ") * 2500  # 100,000 characters

EMPTY = "empty"  # the "please ask a question" message
TOO_LONG = "too_long"  # the length limit message
ANSWERED = "answered"  # a grounded, cited answer
ANY = "any"  # a well-formed answer or refusal; which one is the safety rules' call


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    expect: str


CASES = [
    Case("empty", "", EMPTY),
    Case("whitespace", " \t\n\r\u00a0\u3000 ", EMPTY),
    Case("punctuation-only", "?!...;", EMPTY),
    Case("100k-chars", LONG, TOO_LONG),
    Case("nul", "How much MK-7\x00 is used\x00 for osteoporosis?\x00", ANSWERED),
    Case("control-chars", f"\x01\x02\x1b{Q}\x07\x08\x0b\x0c\x7f\x85\x9b", ANSWERED),
    Case("ansi-escapes", f"\x1b[31m{Q}\x1b[0m\x1b]0;title\x07", ANSWERED),
    Case("zero-width", "How\u200b much\u200d MK\u2060-7 is\u00ad used for\ufeff osteoporosis?",
         ANSWERED),
    Case("bidi-controls", f"\u202e{Q}\u202c\u2066\u2067\u2069\u200f", ANSWERED),
    Case("lone-surrogates", "How much MK-7\ud800 is used for \udfffosteoporosis?\udc80", ANSWERED),
    Case("only-surrogates", "\ud800\udc00\ud83d", ANY),
    Case("emoji", f"\U0001f48a\U0001f9b4 {Q} \U0001f914\U0001f469\u200d\U0001f52c", ANSWERED),
    Case("emoji-only", "\U0001f9b4\U0001f48a\U0001f914", EMPTY),
    Case("right-to-left", "\u0643\u0645 \u062c\u0631\u0639\u0629 \u0641\u064a\u062a\u0627\u0645"
         "\u064a\u0646 \u0643 2 \u0644\u0647\u0634\u0627\u0634\u0629 \u0627\u0644\u0639\u0638"
         "\u0627\u0645\u061f", ANY),
    Case("rtl-mixed", "\u05de\u05d4 \u05d4\u05de\u05d9\u05e0\u05d5\u05df \u05e9\u05dc MK-7?", ANY),
    Case("html-script", f"<script>alert(1)</script><img src=x onerror=alert(2)> {Q}", ANY),
    Case("markdown-link", f"[click me](javascript:alert(1)) ![x](http://169.254.169.254/) {Q}",
         ANY),
    Case("sql", "'; DROP TABLE embeddings; -- SELECT * FROM collections WHERE 1=1; --", ANY),
    Case("format-strings", "{0} %s %n {__class__} ${PATH} $(id) `id` \\N{BULLET}", ANY),
    Case("spanish", "\u00bfCu\u00e1nta vitamina K2 debo tomar para los huesos?", ANY),
    Case("chinese", "\u7ef4\u751f\u7d20K2\u7684\u5242\u91cf\u662f\u591a\u5c11\uff1f", ANY),
]
IDS = [c.id for c in CASES]
HOSTILE = ("<script", "onerror", "javascript:", "169.254.169.254", "DROP TABLE", "\x00")


def check_answer(answer: Answer, case: Case, limit: int) -> None:
    """The shared contract for every face: well-formed, with the one disclaimer."""
    assert isinstance(answer, Answer)
    assert answer.disclaimer == k2chat.DISCLAIMER
    md = answer.to_markdown()
    assert md.endswith(f"_{k2chat.DISCLAIMER}_")
    assert md.count(k2chat.DISCLAIMER) == 1
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")  # serialisable, no surrogates
    for c in answer.citations:
        assert all(f in ARTICLE for f in c.fragments)
        assert f"[{c.marker}]" in answer.text
    for bad in HOSTILE:
        assert bad not in answer.text, bad  # the question is never echoed into the answer
    check_text(answer.text, answer.grounded, case, limit)


def check_text(text: str, grounded: bool | None, case: Case, limit: int) -> None:
    if case.expect == EMPTY:
        assert safety.empty_question_message(load_profile(CORPUS)) in text
    elif case.expect == TOO_LONG:
        assert safety.too_long_message(limit) in text
    elif case.expect == ANSWERED:
        assert "[1]" in text and grounded is not False, text
    assert text.strip()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ask_handles_bad_input(settings: Settings, case: Case) -> None:
    """k2chat.ask never raises on hostile or malformed text and keeps its answer contract."""
    check_answer(k2chat.ask(case.text, settings), case, settings.max_question_chars)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_chat_handles_bad_input_as_a_follow_up(settings: Settings, case: Case) -> None:
    """A conversation survives bad input after a real turn, and still answers afterwards."""
    chat = k2chat.Chat(settings)
    chat.ask(Q)
    answer = chat.ask(case.text)
    if case.expect == ANSWERED:
        assert answer.grounded
    check_answer(answer, Case(case.id, case.text, ANY if case.expect == ANSWERED else case.expect),
                 settings.max_question_chars)
    after = chat.ask("How long does it take to work?")
    assert after.grounded and after.disclaimer == k2chat.DISCLAIMER


# --- The CLI: real processes, real argv -------------------------------------------------------

# argv cannot carry NUL (the kernel's strings end there) nor lone surrogates (not encodable);
# invalid UTF-8 bytes are what a terminal can send instead, and Python turns them into lone
# surrogates (surrogateescape), so that case is covered by the "invalid-utf8" argument below.
CLI_ARGS: dict[str, tuple[list[str | bytes], str]] = {
    "empty-and-whitespace": (["", " \t\r\n "], EMPTY),
    "100k-chars": ([LONG], TOO_LONG),
    "invalid-utf8": ([b"How much MK-7 \xff\xfe is used for osteoporosis\xed\xa0\x80?"], ANSWERED),
    "controls-bidi-zero-width-emoji": (
        [f"\x01\x1b\u202e\u200b\U0001f9b4{Q}\x07\x7f\u2069\U0001f48a"], ANSWERED),
    "rtl-html-sql-dash": (["--", "-5 \u05de\u05d4 <script>alert(1)</script>", "';", "DROP",
                           "TABLE", "x;", "--"], ANY),
}


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("K2CHAT_")}
    env.update(K2CHAT_DATA_DIR=str(settings.data_dir), K2CHAT_CORPUS_DIR=str(settings.corpus_dir),
               PYTHONUTF8="1")
    return env


@pytest.fixture(scope="module")
def cli_results(settings: Settings) -> dict[str, subprocess.CompletedProcess[bytes]]:
    """Every CLI case run as its own ``k2chat ask`` process, a few at a time."""

    def run(args: list[str | bytes]) -> subprocess.CompletedProcess[bytes]:
        cmd: list[str | bytes] = [sys.executable, "-m", "k2chat", "ask", *args]
        return subprocess.run(cmd, env=_env(settings), capture_output=True, timeout=300)

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(run, args) for name, (args, _) in CLI_ARGS.items()}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize("name", list(CLI_ARGS))
def test_cli_ask_handles_bad_input(cli_results: dict[str, Any], name: str,
                                   settings: Settings) -> None:
    """`k2chat ask` prints an answer or a clear message with the disclaimer; exit 0, no trace."""
    done = cli_results[name]
    out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, err
    assert "Traceback" not in out + err
    assert out.rstrip().endswith(k2chat.DISCLAIMER)
    assert "<script" not in out
    text = out.split("\n\nSources:")[0]
    check_text(text, None, Case(name, "", CLI_ARGS[name][1]), settings.max_question_chars)


# --- The running UI's API ---------------------------------------------------------------------


def _contents(result: Any) -> list[str]:
    return [m["content"] if isinstance(m["content"], str) else json.dumps(m["content"])
            for m in result]


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _predict_raw(server: str, text: str) -> Any:
    """Call /ask over Gradio's plain HTTP API with JSON escapes (``\\ud800``).

    gradio_client (httpx) cannot send a lone surrogate at all: it encodes the body as UTF-8 and
    fails on the client side. A browser or curl can still send the JSON escape, so this does.
    """
    import httpx

    body = json.dumps({"data": [text, ""]}, ensure_ascii=True)  # question, conversation
    with httpx.Client(base_url=server, timeout=120) as http:
        posted = http.post("gradio_api/call/ask", content=body,
                           headers={"Content-Type": "application/json"})
        assert posted.status_code == 200, posted.text
        event_id = posted.json()["event_id"]
        stream = http.get(f"gradio_api/call/ask/{event_id}")
    events = stream.text.split("\n\n")
    last = [e for e in events if e.startswith("event: complete")]
    assert last, stream.text
    data = json.loads(last[-1].split("data:", 1)[1])
    return data[0]


@pytest.mark.server
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ui_api_handles_bad_input(server: str, settings: Settings, case: Case) -> None:
    """The /ask endpoint answers bad input like the library does, and hides no exception."""
    from gradio_client import Client

    if _has_surrogates(case.text):
        result = _predict_raw(server, case.text)
    else:
        result, _ = Client(server, verbose=False).predict(case.text, api_name="/ask")
    contents = _contents(result)
    joined = "\n".join(contents)
    assert k2chat.DISCLAIMER in contents[-1]
    assert "Something went wrong" not in joined  # the UI's catch-all: an exception happened
    assert "cannot answer right now" not in joined
    assert "Traceback" not in joined
    assert "<script" not in joined
    check_text(contents[0], None, case, settings.max_question_chars)
