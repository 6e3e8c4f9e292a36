"""The ``k2chat`` command: serve, ask, ingest, eval, status. Heavy imports happen per command,
for start-up speed (`k2chat --help` stays instant)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="k2chat",
        description="Cited answers from the article 'Vitamin K2 dosage for bone health'.",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the chat UI (http://127.0.0.1:7860)")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1, or K2CHAT_HOST)")
    serve.add_argument("--port", type=_port, help="port (default 7860, or K2CHAT_PORT)")

    ask = sub.add_parser("ask", help="print the answer to one question")
    ask.add_argument("question", nargs="+", help="the question")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")

    sub.add_parser("ingest", help="rebuild the search index from corpus/ now")
    sub.add_parser("status", help="say whether the index is ready, missing, stale or corrupt")

    ev = sub.add_parser("eval", help="print retrieval and answer quality on an evaluation set")
    ev.add_argument("--file", type=Path, help="YAML cases (`make eval`: tests/eval/questions.yaml)")
    ev.add_argument("--failures", action="store_true", help="also list the cases that missed")
    ev.add_argument("--emergency", type=Path, metavar="FILE",
                    help="YAML statements labelled medical / self_harm / none: report the "
                         "emergency check's recall and false alarms instead")
    return p


def _port(raw: str) -> int:
    """``--port``: a whole number from 1 to 65535 (argparse reports anything else, exit 2)."""
    from k2chat.settings import PORT_RANGE

    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not PORT_RANGE[0] <= port <= PORT_RANGE[1]:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not allowed: a whole number from {PORT_RANGE[0]} to {PORT_RANGE[1]}")
    return port


def _serve(args: argparse.Namespace, settings: object) -> int:
    from k2chat.serve.launch import serve
    from k2chat.serve.serving import check_host
    from k2chat.settings import Settings

    assert isinstance(settings, Settings)
    changes: dict[str, object] = {}
    if args.host:
        changes["host"] = args.host
    if args.port is not None:
        changes["port"] = args.port
    settings = settings.with_(**changes) if changes else settings
    check_host(settings.host, "--host" if args.host else "K2CHAT_HOST")
    serve(settings)
    return 0


def _run(args: argparse.Namespace) -> int:
    from k2chat.settings import Settings

    settings = Settings.from_env()  # a value out of range: SettingsError, exit 2
    if args.command == "serve":
        return _serve(args, settings)
    if args.command == "ask":
        from k2chat import ask

        answer = ask(" ".join(args.question), settings)
        print(json.dumps(answer.to_dict(), indent=2) if args.json else answer.to_text())
        return 0
    if args.command == "ingest":
        from k2chat.store.build import build_index

        built = build_index(settings, show_progress=True)
        m = built.manifest
        print(f"Indexed {m.chunk_count} passages in {built.total_seconds:.2f}s "
              f"({built.chunks_per_second:.0f} passages/s embedding) -> {built.location}")
        from k2chat.pipeline import get_pipeline
        from k2chat.related import ensure

        related = ensure(get_pipeline(settings))  # checked now, so no answer has to
        print(f"Related questions: {len(related.questions)} checked against the chain")
        return 0
    if args.command == "status":
        from k2chat.serve.feedback import feedback_status
        from k2chat.store.index import index_status
        from k2chat.store.manifest import encoder_status

        status = index_status(settings)
        print(f"index: {status}")
        print(f"query encoder: {encoder_status(settings)}")
        print(feedback_status(settings.feedback_path).describe())
        ready = status.startswith("ready")  # "ready (read-only)" answers too
        if not ready:
            print(f"k2chat: the index is {status}; build it with `k2chat ingest` "
                  "(k2chat ask and k2chat serve also build it on first use).", file=sys.stderr)
        return 0 if ready else 1
    if args.command == "eval":
        from k2chat.errors import SettingsError
        from k2chat.evalfile import read_emergencies
        from k2chat.evaluate import evaluate, evaluate_emergencies, load_cases
        from k2chat.pipeline import get_pipeline

        path = args.emergency or args.file
        if path is None:
            raise SettingsError("Give an evaluation file: k2chat eval --file FILE (or "
                                "--emergency FILE); `make eval` uses the repository's "
                                "tests/eval/questions.yaml.")
        if not path.is_file():
            raise SettingsError(f"No such evaluation file: {path}")
        if args.emergency:  # the file is checked before the index is opened
            read_emergencies(path)
            report: Any = evaluate_emergencies(get_pipeline(settings), path)
        else:
            cases = load_cases(path)
            report = evaluate(get_pipeline(settings), cases)
        print(report.table())
        if args.failures:
            print("\n".join(["", "Cases that missed:", *report.failures()]))
        return 0
    raise AssertionError(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "serve":  # a server says what its start-up is doing (index build, ready)
        logging.getLogger("k2chat").setLevel(logging.INFO)
    from k2chat.errors import K2ChatError

    try:
        return _run(args)
    except K2ChatError as exc:
        print(f"k2chat: {exc}", file=sys.stderr)
        return int(getattr(exc, "exit_code", 1))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `k2chat ask ... | head`: the reader left; end quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a Unix tool killed by the closed pipe
    except Exception as exc:  # a bug: one line for the user, the traceback only with -v
        if args.verbose:
            logging.getLogger("k2chat").exception("Unexpected error")
        print(f"k2chat: unexpected error ({type(exc).__name__}: {exc}). Run with -v for "
              "details, and please report it.", file=sys.stderr)
        return 1
