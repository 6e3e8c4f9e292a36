"""The installed distribution holds only the ``k2chat`` package (issue 13)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _source_copy(dest: Path) -> Path:
    """The tracked files of the repository, so the build leaves nothing in the worktree."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def test_the_wheel_holds_only_the_k2chat_package(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    source = _source_copy(tmp_path / "src-copy")
    out = tmp_path / "wheels"
    # offline: no build isolation (setuptools from this environment), no dependencies
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = out.glob("k2chat-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"k2chat", next(t for t in top if t.endswith(".dist-info"))}, sorted(top)
    assert "k2chat/store/build.py" in names and "k2chat/store/derived.py" in names
    assert any(n.startswith("k2chat/data/") for n in names)
    assert "k2chat/data/encoder.onnx" in names  # the fine-tuned encoder (k2chat.finetune)
    assert not any(n.startswith("ingest/") for n in names)
