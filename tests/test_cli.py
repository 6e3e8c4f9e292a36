"""The `k2chat` command: instant help, honest status, answers with the disclaimer, and every
error as exit code 1 with one line on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import k2chat
from k2chat.settings import Settings

HEAVY = ("torch", "sentence_transformers", "transformers", "gradio", "chromadb", "onnxruntime")


def run(args: list[str], env_changes: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("K2CHAT_")}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-m", "k2chat", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def env_of(s: Settings) -> dict[str, str]:
    return {"K2CHAT_DATA_DIR": str(s.data_dir), "K2CHAT_CORPUS_DIR": str(s.corpus_dir)}


def test_help_is_instant_and_imports_no_heavy_module() -> None:
    """Building the parser and printing help loads no model, database or UI library."""
    code = (
        "import json, sys, time\n"
        "t = time.perf_counter()\n"
        "import k2chat.cli\n"
        "k2chat.cli._parser().format_help()\n"
        "print(json.dumps({'seconds': time.perf_counter() - t,\n"
        "                  'modules': sorted({m.split('.')[0] for m in sys.modules})}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    result = json.loads(done.stdout)
    assert not set(HEAVY) & set(result["modules"]), set(HEAVY) & set(result["modules"])
    assert result["seconds"] < 5.0  # ~0.5 s on an idle machine


def test_help_lists_the_commands() -> None:
    done = run(["--help"], {})
    assert done.returncode == 0
    for command in ("serve", "ask", "ingest", "status", "eval"):
        assert command in done.stdout


def test_status_reports_a_ready_index(settings: Settings) -> None:
    done = run(["status"], env_of(settings))
    lines = done.stdout.strip().splitlines()
    assert (done.returncode, lines[0]) == (0, "index: ready"), done.stderr
    assert "query encoder: ok" in lines


def test_status_of_a_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    s = Settings(corpus_dir=Path(__file__).parents[1] / "corpus", data_dir=tmp_path / "data")
    done = run(["status"], env_of(s))
    assert done.returncode == 1
    assert done.stdout.strip().splitlines()[0] == "index: missing"
    assert "k2chat ingest" in done.stderr and "Traceback" not in done.stderr


def test_ask_prints_the_answer_and_the_disclaimer(settings: Settings) -> None:
    done = run(["ask", "How much MK-7 is used for osteoporosis?"], env_of(settings))
    assert done.returncode == 0, done.stderr
    assert "[1]" in done.stdout and "Sources:\n[1] Section 2." in done.stdout
    assert "\\" not in done.stdout and "**" not in done.stdout  # plain text, no Markdown
    assert done.stdout.rstrip().endswith(k2chat.DISCLAIMER)


def test_ask_json_carries_the_disclaimer(settings: Settings) -> None:
    done = run(["ask", "--json", "Can I take vitamin K2 with warfarin?"], env_of(settings))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["disclaimer"] == k2chat.DISCLAIMER
    assert answer["citations"]


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["status"], {"K2CHAT_CORPUS_DIR": "/nonexistent/k2chat-corpus"}, "K2CHAT_CORPUS_DIR"),
        (["ask", "hello"], {"K2CHAT_CORPUS_DIR": "/nonexistent/k2chat-corpus"},
         "K2CHAT_CORPUS_DIR"),
    ],
    ids=["missing-corpus-status", "missing-corpus-ask"],
)
def test_errors_exit_1_with_one_line(args: list[str], env: dict[str, str], says: str,
                                     tmp_path: Path) -> None:
    """A user's mistake is one line on stderr and exit code 1, never a traceback."""
    done = run(args, {"K2CHAT_DATA_DIR": str(tmp_path / "data"), **env})
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("k2chat: "), done.stderr
    assert says in lines[0]


def test_usage_errors_are_argparse_messages_not_tracebacks() -> None:
    done = run(["ask"], {})
    assert done.returncode == 2  # argparse's convention for a malformed command line
    assert "usage: k2chat ask" in done.stderr and "Traceback" not in done.stderr


# --- Settings, flags and evaluation files: checked once, one line each, exit 2 (issue 22) -----

@pytest.mark.parametrize(("args", "env", "says"), [
    (["status"], {"K2CHAT_PORT": "seventy"}, "K2CHAT_PORT='seventy' is not allowed: a whole"),
    (["ask", "hi"], {"K2CHAT_CHROMA_URL": "not a url"}, "K2CHAT_CHROMA_URL='not a url'"),
    (["serve"], {"K2CHAT_CONCURRENCY_LIMIT": "0"}, "K2CHAT_CONCURRENCY_LIMIT=0 is not allowed"),
    (["serve"], {"K2CHAT_CONCURRENCY_LIMIT": "-3"}, "K2CHAT_CONCURRENCY_LIMIT=-3 is not"),
    (["ask", "hi"], {"K2CHAT_MAX_QUESTION_CHARS": "-5"}, "K2CHAT_MAX_QUESTION_CHARS=-5 is not"),
    (["serve"], {"K2CHAT_PORT": "70000"}, "K2CHAT_PORT=70000 is not allowed: a whole number "
                                          "from 1 to 65535"),
    (["serve"], {"K2CHAT_PORT": "0"}, "K2CHAT_PORT=0 is not allowed"),
    (["serve"], {"K2CHAT_HOST": "bogus.invalid"}, "K2CHAT_HOST=bogus.invalid is not allowed: an"
                                                  " address of this machine"),
    (["serve"], {"K2CHAT_HOST": "8.8.8.8"}, "K2CHAT_HOST=8.8.8.8 is not allowed"),
    (["serve", "--host", "8.8.8.8"], {}, "--host=8.8.8.8 is not allowed"),
    (["serve"], {"K2CHAT_SHUTDOWN_GRACE": "-1"}, "K2CHAT_SHUTDOWN_GRACE=-1"),
    (["serve"], {"K2CHAT_SHUTDOWN_GRACE": "soon"}, "K2CHAT_SHUTDOWN_GRACE='soon'"),
    (["serve"], {"K2CHAT_TRUSTED_PROXIES": "the proxy"}, "K2CHAT_TRUSTED_PROXIES='the proxy'"),
])
def test_a_setting_out_of_range_is_one_line_and_exit_2(args: list[str], env: dict[str, str],
                                                       says: str, tmp_path: Path) -> None:
    """Issue 22, items 12 and 13: these printed "ready" and answered nothing, refused every
    question, or ended in "unexpected error ... please report it"."""
    done = run(args, {"K2CHAT_DATA_DIR": str(tmp_path / "data"), **env})
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("k2chat: "), done.stderr
    assert says in lines[0] and "unexpected" not in lines[0], lines[0]
    assert "ready" not in done.stdout


@pytest.mark.parametrize("port", ["-1", "0", "70000", "http"])
def test_a_port_flag_out_of_range_is_an_argparse_error(port: str) -> None:
    done = run(["serve", "--port", port], {})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"argument --port: '{port}' is not allowed: a whole number from 1 to 65535" in (
        done.stderr)


@pytest.mark.parametrize(("content", "says"), [
    (b"just a scalar\n", ["must be a YAML list of cases, not a str"]),
    (b"- one\n- two\n", ["case 1: must be a mapping of fields, not a str",
                          "case 2: must be a mapping of fields, not a str"]),
    (b"- question: How much K2?\n- id: b\n", ["case 1: id: Field required",
                                              "case 2 (id 'b'): question: Field required"]),
    (b"- id: a\n  question: q\n  sections: [one]\n  refuse: maybe\n",
     ["case 1 (id 'a'): sections.0:", "case 1 (id 'a'): refuse:"]),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", ["not a UTF-8 text file"]),
    (b"", ["holds no cases"]),
    (b"[]\n", ["holds no cases"]),
    (b"- id: [unclosed\n", ["not valid YAML at line"]),
])
def test_a_malformed_evaluation_file_is_named_case_by_case(content: bytes, says: list[str],
                                                          tmp_path: Path) -> None:
    """Issue 22, item 14: KeyError / TypeError as "unexpected error"; an empty file gave
    "cases 0" and exit 0."""
    path = tmp_path / "cases.yaml"
    path.write_bytes(content)
    done = run(["eval", "--file", str(path)], {"K2CHAT_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "unexpected" not in done.stderr and "Traceback" not in done.stderr
    for said in says:
        assert said in done.stderr, done.stderr
    problems = [line for line in done.stderr.splitlines() if str(path) in line]
    assert len(problems) == len(says), done.stderr


def test_a_malformed_emergency_file_is_named_case_by_case(tmp_path: Path) -> None:
    path = tmp_path / "emergency.yaml"
    path.write_text("- text: chest pain\n  label: urgent\n- label: none\n", encoding="utf-8")
    done = run(["eval", "--emergency", str(path)], {"K2CHAT_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 2, done.stderr
    assert "case 1: label:" in done.stderr and "case 2: text: Field required" in done.stderr


def test_the_shipped_evaluation_files_fit_the_schema() -> None:
    """The control: every question and emergency file in the repository reads cleanly."""
    from k2chat.evalfile import read_emergencies, read_questions

    root = Path(__file__).resolve().parent / "eval"
    questions = [p for p in root.rglob("*.yaml")
                 if p.name not in ("emergency.yaml", "grades.yaml")]
    assert questions
    for path in questions:
        assert read_questions(path), path
    for path in root.rglob("emergency.yaml"):
        assert read_emergencies(path), path


def test_a_garbled_index_pointer_is_reported_as_corrupt(settings: Settings,
                                                        tmp_path: Path) -> None:
    """Issue 22, item 9: a non-UTF-8 byte in index/CURRENT made every command end in
    "unexpected error (UnicodeDecodeError)"."""
    from .test_faults import private_copy

    s = private_copy(settings, tmp_path / "data")
    (s.index_dir / "CURRENT").write_bytes(b"\xff\xfe garbled")
    done = run(["status"], env_of(s))
    assert done.returncode == 1, done.stderr
    assert "index: corrupt" in done.stdout
    assert "unexpected" not in done.stderr
