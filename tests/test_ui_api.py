"""The running Gradio app answers through gradio_client with sources and the disclaimer."""

import json

import pytest
from gradio_client import Client

import k2chat

pytestmark = pytest.mark.server


def _contents(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["content"] if isinstance(m["content"], str) else json.dumps(m["content"])
            for m in result]


def test_api_answers_with_sources_and_disclaimer(server: str) -> None:
    client = Client(server, verbose=False)
    result = client.predict("How much MK-7 is used for osteoporosis?", api_name="/ask")
    contents = _contents(result)
    assert "180–200 mcg" in contents[0] and "[1]" in contents[0]
    sources = [m for m in result if (m.get("metadata") or {}).get("title", "").startswith("Sources")]
    assert sources and "Section 2" in sources[0]["content"]
    assert k2chat.DISCLAIMER in contents[-1]


def test_api_keeps_each_client_session_separate(server: str) -> None:
    a, b = Client(server, verbose=False), Client(server, verbose=False)
    a.predict("How much MK-7 is used for osteoporosis?", api_name="/ask")
    follow = _contents(a.predict("How long does it take to work?", api_name="/ask"))[0]
    assert "within weeks" in follow or "over years" in follow
    fresh = _contents(b.predict("How long does it take to work?", api_name="/ask"))
    assert k2chat.DISCLAIMER in fresh[-1]


def test_out_of_scope_through_the_api_has_no_sources(server: str) -> None:
    result = Client(server, verbose=False).predict("Who won the 2022 World Cup?", api_name="/ask")
    assert not [m for m in result if (m.get("metadata") or {}).get("title")]
    assert "does not cover" in _contents(result)[0]
    assert k2chat.DISCLAIMER in _contents(result)[-1]
