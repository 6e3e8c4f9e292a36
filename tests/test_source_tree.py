"""One fact, one place: the fixed safety texts are defined exactly once."""

from k2chat.chain import safety

from .conftest import REPO


def _sources() -> str:
    files = [*REPO.joinpath("src").rglob("*.py"), *REPO.joinpath("ingest").rglob("*.py")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_the_disclaimer_is_written_once() -> None:
    text = _sources()
    assert text.count("It is not medical advice, diagnosis or treatment") == 1
    assert text.count("DISCLAIMER = (") == 1


def test_the_emergency_message_is_written_once() -> None:
    assert _sources().count("Call your local emergency number now") == 1
    assert "emergency number" in safety.EMERGENCY_MESSAGE


def test_the_ui_has_no_safety_text_of_its_own() -> None:
    for name in ("ui.py", "render.py", "launch.py"):  # the page, what it shows, its start
        ui = REPO.joinpath("src", "k2chat", "serve", name).read_text(encoding="utf-8")
        assert "not medical advice" not in ui.lower()
        assert "retriever" not in ui


def test_the_package_never_reads_the_tests() -> None:
    """Fitting and evaluation are given their files (``make fit``, ``make eval``): no path the
    package builds goes into the repository's tests/ folder."""
    import ast

    found = []
    for path in sorted(REPO.joinpath("src", "k2chat").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                    node.value.strip("/") == "tests" or node.value.startswith("tests/")):
                found.append(f"{path.name}:{node.lineno} {node.value!r}")
    assert found == []
