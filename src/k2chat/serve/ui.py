"""The Gradio chat. It renders what the Python API returns and nothing else.

This module is the page's layout and its handlers (ask, pick an option, vote, new
conversation, restore, the ``/ask`` API). Turning an answer into the page's messages and source
cards is :mod:`k2chat.serve.render`; starting the server (port check, queue, the door) is
:mod:`k2chat.serve.launch`.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

import gradio as gr

from k2chat.chain.safety import banner
from k2chat.errors import FeedbackError, K2ChatError
from k2chat.serve.conversation import Conversation, ConversationStore
from k2chat.serve.feedback import record_feedback
from k2chat.serve.render import (
    Sections,
    _messages,
    _shown,
    _text_of,
)
from k2chat.settings import Settings
from k2chat.store.corpus import read_corpus
from k2chat.store.profile import CorpusProfile, load_profile
from k2chat.types import Answer

__all__ = ["API_NAME", "create_app", "respond"]

log = logging.getLogger(__name__)

API_NAME = "ask"  # the stable endpoint: /gradio_api/call/ask, client.predict(..., api_name="/ask")
VOTES_REMEMBERED = 10_000  # turns whose last recorded vote this process remembers (dedup)
BROWSER_KEY = "k2chat-conversation-v2"  # localStorage; v1 was encrypted with a per-start secret

# The page's script (static/page.js) keeps the honest states; each event calls into it.
SEND_JS = "(q, t) => window.k2chat.send(q, t)"
SHOWN_JS = "() => window.k2chat.shown()"
FAILED_JS = "() => window.k2chat.failed()"
CLEARED_JS = "() => window.k2chat.cleared()"
RESTORED_JS = "() => window.k2chat.restored()"
# A plain button, named and stateful from the first paint; page.js switches the theme.
THEME_TOGGLE = ('<button type="button" id="k2chat-theme" aria-pressed="false" '
                'aria-label="Dark mode"><span aria-hidden="true">◐</span> Dark</button>')


def _ask(store: ConversationStore, conversation: Conversation, question: str
         ) -> tuple[Answer, tuple[str, Answer] | None, str]:
    """Ask in ``conversation``: the answer, the (question, answer) to show if it was not
    stored (a full conversation), and the sealed conversation."""
    answer, stored, sealed = store.ask(conversation, question)
    unstored = None if stored else (question[: store.settings.max_question_chars], answer)
    return answer, unstored, sealed


def respond(settings: Settings, message: Any, conversation: Conversation | None = None
            ) -> list[dict[str, Any]]:
    """Answer one question (in ``conversation`` if given) as the API's messages."""
    conversation = conversation or Conversation(settings)
    return _messages(conversation.ask(_text_of(message)))


def _rating(liked: Any) -> bool | None:
    """LikeData.liked: True (like), False (dislike), "" or None when a vote is taken back."""
    return liked if isinstance(liked, bool) else None


def page_title(profile: CorpusProfile) -> str:
    """"k2chat · Vitamin K2 and bone health": the subject of the articles' profiles."""
    subject = profile.subject
    return f"k2chat · {subject[:1].upper()}{subject[1:]}"


# --- The app -----------------------------------------------------------------------------------

def _sections(settings: Settings) -> Sections:
    try:
        return {(s.article, s.number): s for s in read_corpus(settings.corpus_dir)
                if not s.navigation}
    except K2ChatError:
        log.warning("The corpus could not be read; source cards show the quote only")
        return {}


def create_app(settings: Settings) -> gr.Blocks:
    sections = _sections(settings)
    profile = load_profile(settings.corpus_dir)  # corpus/*.profile.yaml: title, examples
    offered = profile.example_questions
    title = page_title(profile)
    store = ConversationStore(settings)
    limit = settings.max_question_chars
    votes: OrderedDict[str, bool | None] = OrderedDict()  # turn -> the rating last recorded

    def restore(envelope: Any) -> tuple[Any, Any]:
        conversation = store.open(envelope)
        if conversation is None:
            # Nothing to restore: change nothing. Answered late (a busy machine), an empty
            # restore wiped the question the visitor had asked meanwhile and the conversation
            # it started (issue 23 #14: 0 earlier questions after a failed second question).
            return gr.skip(), gr.skip()
        return _shown(conversation, sections, limit, examples=offered), envelope

    def answer(question: str, envelope: Any) -> tuple[list[dict[str, Any]], str]:
        conversation = store.open(envelope) or store.new()
        _, unstored, sealed = _ask(store, conversation, question)
        return _shown(conversation, sections, limit, unstored, offered), sealed

    def submit(question: str, envelope: Any) -> tuple[Any, Any]:
        if not (question or "").strip():
            return gr.skip(), gr.skip()
        return answer(question, envelope)

    def pick(envelope: Any, data: gr.SelectData) -> tuple[Any, Any]:
        return submit(_text_of(data.value), envelope)

    def new_conversation() -> tuple[list[Any], str, str]:
        # A sealed empty conversation: the browser stores only a non-empty value, so "" would
        # keep the old one.
        return [], store.seal(store.new()), ""

    def on_like(envelope: Any, data: gr.LikeData) -> None:
        conversation = store.open(envelope)
        index = data.index if isinstance(data.index, int) else data.index[0]
        found = conversation.turn_at(index) if conversation and isinstance(index, int) else None
        if conversation is None or found is None:
            # a vote for a turn this server never answered: nothing to record, but said in the
            # log (a page whose stored conversation lags its messages would show up here)
            log.warning("Vote on message %r not recorded: %s", data.index,
                        "no conversation of ours" if conversation is None
                        else f"the conversation has {len(conversation.turns)} turns")
            return
        number, answered = found
        turn, rating = f"{conversation.id}:{number}", _rating(data.liked)
        if turn in votes and votes[turn] == rating:
            log.info("Vote %r on turn %s already recorded", rating, turn)
            return  # the same vote again: the file already holds it as this turn's latest
        try:
            record_feedback(settings.feedback_path, rating, answered, turn=turn)
        except FeedbackError as exc:
            gr.Warning(str(exc))
            return
        except Exception:
            log.exception("Could not record feedback")
            gr.Warning("Your vote could not be saved. Please try again.")
            return
        gr.Info("Thank you: your vote is saved." if rating is not None
                else "Your vote is taken back.", duration=4)
        votes[turn] = rating
        votes.move_to_end(turn)
        while len(votes) > VOTES_REMEMBERED:
            votes.popitem(last=False)

    def api_ask(question: str, conversation: str | None) -> tuple[list[dict[str, Any]], str]:
        # An API client's conversation is the envelope it sends back (empty: a new one).
        opened = store.open(conversation)
        if conversation and opened is None:
            raise gr.Error("This conversation was not made by this server (or is damaged). "
                           "Send an empty conversation to start a new one.", print_exception=False)
        reply, _, sealed = _ask(store, opened or store.new(), _text_of(question))
        return _messages(reply), sealed

    with gr.Blocks(title=title, analytics_enabled=False, fill_height=True) as app:
        with gr.Row(elem_id="k2chat-top", equal_height=True):
            gr.Markdown(f"# {title}", elem_id="k2chat-header")
            # Dark mode: page.js keeps the choice (localStorage); by default the system's.
            gr.HTML(THEME_TOGGLE, elem_id="k2chat-theme-box", padding=False, scale=0,
                    min_width=0)
            clear_btn = gr.Button("New conversation", size="sm", variant="secondary",
                                  elem_id="k2chat-clear", scale=0, min_width=150)
        gr.Markdown(banner(profile), elem_id="k2chat-banner")
        # The page's copy of its signed conversation (conversation.py), in localStorage.
        saved = gr.BrowserState(None, storage_key=BROWSER_KEY, secret=store.browser_secret())
        chatbot = gr.Chatbot(
            label="Conversation",
            show_label=False,
            elem_id="k2chat-chatbot",
            scale=1,  # takes the height the rest leaves (page.css): the page itself never scrolls
            min_height=120,
            buttons=["copy"],
            sanitize_html=True,
            allow_tags=False,
            latex_delimiters=[],
            render_markdown=True,
            feedback_options=("Like", "Dislike"),
            autoscroll=False,
            placeholder=f"**Ask about {profile.ask_about}.**\n\n"
                        "Pick an example below or type your own question.",
        )
        gr.HTML('<div id="k2chat-pending" class="k2-hidden" aria-live="polite"></div>',
                elem_id="k2chat-pending-box", padding=False)
        with gr.Column(elem_id="k2chat-error", elem_classes=["k2-hidden"], variant="default"):
            gr.Markdown("**Your question was not answered**: the server could not be reached "
                        "or failed. It is back in the box and the conversation is kept; Retry "
                        "sends it again.", elem_id="k2chat-error-text")
            retry = gr.Button("Retry", size="sm", variant="primary", elem_id="k2chat-retry")
        with gr.Row(elem_id="k2chat-examples"):
            examples = [gr.Button(q, size="sm", variant="secondary", elem_classes=["k2-example"])
                        for q in offered]
        textbox = gr.Textbox(
            label="Your question",
            placeholder=f"Ask a question about {profile.subject}",
            submit_btn="Send",
            show_label=True,  # its label names the box from the first paint (hidden: page.css)
            lines=1,
            max_lines=6,
            elem_id="k2chat-input",
        )
        gr.HTML(f'<p id="k2chat-counter" aria-live="polite" data-limit="{limit}"></p>',
                elem_id="k2chat-counter-box", padding=False)
        api_question = gr.Textbox(label="question", visible=False)
        api_conversation = gr.Textbox("", label="conversation", visible=False)
        api_answer = gr.JSON(label="messages", visible=False)
        api_sealed = gr.Textbox(label="conversation", visible=False)
        api_button = gr.Button(visible=False)

        # A question sent while the last one is still being answered goes once that answer is
        # in ("always_last"); Gradio's default ("once") dropped it without a word.
        for trigger in (textbox.submit, retry.click):
            sent = trigger(submit, [textbox, saved], [chatbot, saved], js=SEND_JS,
                           concurrency_limit=settings.concurrency_limit,
                           trigger_mode="always_last", api_visibility="private")
            sent.success(None, None, None, js=SHOWN_JS)
            sent.failure(None, None, None, js=FAILED_JS)
        for button in examples:
            asked = button.click(submit, [button, saved], [chatbot, saved], js=SEND_JS,
                                 concurrency_limit=settings.concurrency_limit,
                                 trigger_mode="always_last", api_visibility="private")
            asked.success(None, None, None, js=SHOWN_JS)
            asked.failure(None, None, None, js=FAILED_JS)
        picked = chatbot.option_select(pick, saved, [chatbot, saved],
                                       concurrency_limit=settings.concurrency_limit,
                                       api_visibility="private")
        picked.success(None, None, None, js=SHOWN_JS)
        picked.failure(None, None, None, js=FAILED_JS)
        app.load(restore, saved, [chatbot, saved], queue=False, api_visibility="private"
                 ).then(None, None, None, js=RESTORED_JS)
        clear_btn.click(new_conversation, None, [chatbot, saved, textbox], queue=False,
                        js=CLEARED_JS, api_visibility="private")
        # Every vote is sent, in order: Gradio's default ("once") dropped a click made while an
        # earlier vote was still on its way (issue 23, a vote lost under CPU load); one vote at
        # a time keeps a like and its taking back in the order they were made.
        chatbot.like(on_like, saved, None, api_visibility="private", trigger_mode="multiple",
                     concurrency_limit=1, concurrency_id="k2chat-votes")
        api_button.click(api_ask, [api_question, api_conversation], [api_answer, api_sealed],
                         api_name=API_NAME, concurrency_limit=settings.concurrency_limit,
                         api_description="Ask one question; returns the answer's messages (body "
                         "with [n] markers, Sources if any, the disclaimer) and the conversation "
                         "to send with the next question (empty: a new conversation).")
    return app


