"""Take docs/screenshot.png (1280x800) and docs/screenshot-phone.png (390x844): start k2chat,
ask one question in headless Chromium, open its first source card from the [1] chip.

    .venv/bin/python scripts/screenshot.py [--out docs/screenshot.png] [--data-dir DIR]

Uses the repo's settings (K2CHAT_* variables; the index is built on first use if missing) on a
free loopback port, and Debian's Chromium at /usr/bin/chromium (never a downloaded browser).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
QUESTION = "How much MK-7 is used for osteoporosis?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SIZES = {"": (1280, 800), "-phone": (390, 844)}  # the sizes issue 11 names (desktop, phone)


def take(out: Path, data_dir: Path | None = None) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    from k2chat.serve.launch import launch
    from k2chat.settings import Settings
    from k2chat.types import DISCLAIMER

    settings = Settings.from_env()
    if data_dir is not None:
        settings = settings.with_(data_dir=data_dir.resolve())
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        # Votes cast while taking the picture must not land in the real feedback file.
        settings = settings.with_(port=_free_port(), feedback_path=Path(tmp) / "feedback.jsonl")
        app = launch(settings)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=CHROMIUM_ARGS)
                for suffix, (width, height) in SIZES.items():
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.set_default_timeout(60_000)
                    page.goto(f"http://127.0.0.1:{settings.port}/")
                    box = page.locator("#k2chat-input textarea")
                    box.fill(QUESTION)
                    box.press("Enter")
                    end = DISCLAIMER.rsplit(". ", 1)[-1].rstrip(".")
                    answer = page.locator("#k2chat-chatbot .message-row.bot-row").filter(
                        has_text=end)
                    expect(answer).to_have_count(1, timeout=60_000)
                    expect(box).to_be_editable()
                    answer.locator("button.k2-chip").first.click()
                    expect(answer.locator(".k2-card[open] mark").first).to_be_visible()
                    # Show the question, the answer and the opened card from the top.
                    page.locator("#k2chat-chatbot .bubble-wrap").evaluate(
                        "el => el.scrollTop = 0")
                    page.mouse.move(0, 0)
                    page.wait_for_timeout(500)
                    path = out.with_name(f"{out.stem}{suffix}{out.suffix}")
                    path.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(path))
                    written.append(path)
                    page.close()
                browser.close()
        finally:
            app.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="use this data folder instead of K2CHAT_DATA_DIR / .k2chat")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).is_file():
        print(f"{CHROMIUM} is missing: install Debian's chromium package.", file=sys.stderr)
        return 1
    for path in take(args.out, args.data_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
