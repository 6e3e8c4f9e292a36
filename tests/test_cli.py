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
        (["status"], {"K2CHAT_PORT": "seventy"}, "K2CHAT_PORT must be a whole number"),
        (["ask", "hi"], {"K2CHAT_CHROMA_URL": "not a url"}, "K2CHAT_CHROMA_URL"),
    ],
    ids=["missing-corpus-status", "missing-corpus-ask", "bad-port-variable", "bad-chroma-url"],
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
