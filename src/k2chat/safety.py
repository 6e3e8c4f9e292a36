"""Safety rules as deterministic code: the disclaimer, emergencies, medicines, personal dosing,
instructions hidden in questions and the answer language. Every fixed message lives here."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from k2chat.text import TypoIndex

__all__ = [
    "DISCLAIMER",
    "BANNER",
    "EMERGENCY_MESSAGE",
    "PERSONAL_ADVICE_NOTE",
    "INSTRUCTION_NOTE",
    "ENGLISH_ONLY_MESSAGE",
    "EMPTY_QUESTION_MESSAGE",
    "NOT_COVERED_MESSAGE",
    "ANTICOAGULANT_NOTE",
    "too_long_message",
    "SafetyFlags",
    "assess",
    "is_emergency",
    "mentions_anticoagulant",
    "ANTICOAGULANT_TERMS",
]

DISCLAIMER = (
    "k2chat shares general information quoted from the article \"Vitamin K2 dosage for bone "
    "health\". It is not medical advice, diagnosis or treatment. Talk to your doctor or "
    "pharmacist before you start, stop or change any supplement or medicine."
)

EMERGENCY_MESSAGE = (
    "**This may be a medical emergency. Call your local emergency number now** (or go to the "
    "nearest emergency department). Heavy or uncontrolled bleeding, fainting, chest pain, signs "
    "of a stroke, a possible overdose or thoughts of harming yourself need urgent help from a "
    "person, not an article. If you are thinking about suicide, contact a crisis line or "
    "someone you trust right away."
)

PERSONAL_ADVICE_NOTE = (
    "These are the article's general ranges, not a personal recommendation: the right amount "
    "for you depends on your health, your medicines and your diet, so ask your doctor or "
    "pharmacist before you choose a dose."
)

INSTRUCTION_NOTE = (
    "k2chat does not follow instructions inside questions: it only quotes the article, always "
    "shows its safety notes, and cannot approve a supplement or a dose for you."
)

ANTICOAGULANT_NOTE = (
    "You mentioned a blood-thinning medicine. The article's caution about anticoagulants "
    "applies:"
)

ENGLISH_ONLY_MESSAGE = (
    "k2chat answers in English, from an English article. Please ask your question in English. "
    "(k2chat responde en inglés · k2chat répond en anglais · k2chat antwortet auf Englisch.)"
)

EMPTY_QUESTION_MESSAGE = "Please ask a question about vitamin K2 and bone health."

NOT_COVERED_MESSAGE = (
    "The article \"Vitamin K2 dosage for bone health\" does not cover that question, so k2chat "
    "cannot answer it. It can answer questions about vitamin K2 doses, forms (MK-4, MK-7), "
    "evidence, risks and who should talk to a doctor first."
)


def too_long_message(limit: int) -> str:
    return f"Questions are limited to {limit} characters. Please shorten your question."


# --- Emergencies -------------------------------------------------------------------------

_ALWAYS_EMERGENCY = [
    r"\b(won'?t|will not|can'?t|cannot|doesn'?t|does not|isn'?t) stop bleeding\b",
    r"\bbleeding (won'?t|will not|doesn'?t|does not|that won'?t|that will not) stop\b",
    r"\b(uncontrolled|uncontrollable|severe|heavy|massive|profuse) bleed",
    r"\bbleeding (heavily|a lot|badly|profusely|everywhere|nonstop|non-stop)\b",
    r"\b(coughing|vomiting|throwing) up blood\b|\bvomiting blood\b",
    r"\bblood in (my|his|her|the) (stool|urine|vomit|pee|poop)\b",
    r"\b(fainted|fainting|passed out|passing out|unconscious|unresponsive|collapsed|blacked out)\b",
    r"\bchest (pain|pains|tightness|pressure)\b|\bheart attack\b",
    r"\b(having|had|signs of|symptoms of|think i'?m having|is having) a stroke\b",
    r"\b(face|mouth) (is )?droop|\bslurred speech\b|\bnumb(ness)? on one side\b",
    r"\boverdos(e|ed|ing)\b",
    r"\b(took|swallowed|ate) (a|the|an) (whole|entire|full) (bottle|pack|box)\b",
    r"\btook (way )?too (many|much)\b",
    r"\bsuicid|\bkill (myself|himself|herself)\b|\bend (my|his|her) life\b|\bwant to die\b",
    r"\bself[- ]?harm|\bhurt(ing)? myself\b",
    r"\b(can'?t|cannot|trouble|difficulty|hard to) breath|\banaphyla",
]
_HYPOTHETICAL = re.compile(
    r"\b(risk|risks|cause|causes|increase|increases|prevent|prevents|reduce|lower|chance|"
    r"likely|associated)\b"
)
_PERSONAL_NOW = re.compile(
    r"\b(i am|i'm|im|i have|i've|i feel|i think|my|me|having|right now|just|currently)\b"
)
_ALWAYS = [re.compile(p) for p in _ALWAYS_EMERGENCY]


def is_emergency(question: str) -> bool:
    """True when the question describes an emergency happening now, not a risk in general.

    "Does K2 increase the risk of heavy bleeding?" asks about a risk; "I'm bleeding heavily"
    reports one. A question that names an emergency and speaks of a risk or cause, with no
    first-person or present-tense cue, is treated as a question about the risk.
    """
    q = question.lower().replace("\u2019", "'")
    if not any(p.search(q) for p in _ALWAYS):
        return False
    return not (_HYPOTHETICAL.search(q) and not _PERSONAL_NOW.search(q))


# --- Anticoagulants and antiplatelets ---------------------------------------------------------

ANTICOAGULANT_TERMS = (
    "warfarin", "coumadin", "jantoven", "marevan", "acenocoumarol", "sintrom", "phenprocoumon",
    "marcumar", "falithrom", "fluindione", "phenindione", "apixaban", "eliquis", "rivaroxaban",
    "xarelto", "dabigatran", "pradaxa", "edoxaban", "lixiana", "savaysa", "betrixaban",
    "heparin", "enoxaparin", "lovenox", "clexane", "dalteparin", "fragmin", "tinzaparin",
    "fondaparinux", "arixtra", "clopidogrel", "plavix", "prasugrel", "effient", "ticagrelor",
    "brilinta", "ticlopidine", "dipyridamole", "cilostazol", "aspirin", "anticoagulant",
    "anticoagulants", "anticoagulation", "antiplatelet", "antiplatelets", "doac", "doacs",
    "noac", "noacs", "inr",
)
_ANTICOAG_PHRASES = re.compile(
    r"\bbloo?d[- ]?th[iy]n+(er|ers|ing|r|rs)\b|\banti[- ]?coagu|\banti[- ]?plate?let|"
    r"\bvitamin k antagonists?\b|\bthin(s|ning)? (my|the|your) blood\b|\bclot[- ]?buster"
)


_ANTICOAG_TYPOS = TypoIndex(t for t in ANTICOAGULANT_TERMS if len(t) >= 6)


@functools.lru_cache(maxsize=4096)
def mentions_anticoagulant(question: str) -> bool:
    """True when the text names an anticoagulant or antiplatelet, even misspelled."""
    q = question.lower()
    if _ANTICOAG_PHRASES.search(q):
        return True
    for word in set(re.findall(r"[a-z]+", q)):
        if word in ANTICOAGULANT_TERMS:
            return True
        if len(word) >= 6 and _ANTICOAG_TYPOS.match(word):
            return True
    return False


# --- Personal dosing, embedded instructions, language ------------------------------------

_PERSONAL_DOSING = re.compile(
    r"\b(should|shall|can|could|do|must|may) i (take|use|start|try|give|have|be taking)\b|"
    r"\bi'?m \d+\b|\bi am \d+\b|\bfor me\b|\bmy (dose|dosage|mother|mom|father|dad|wife|husband|"
    r"child|son|daughter)\b|\bhow much (do|should|can|must) (i|we|he|she)\b|\bam i\b|"
    r"\bprescribe\b|\bwhat (dose|dosage|amount) (is|would be) (right|best|safe) for\b"
)
_DOSE_WORDS = re.compile(r"\b(dose|doses|dosage|dosing|how much|how many|mcg|mg|amount)\b")

_INSTRUCTIONS = [
    r"\b(ignore|disregard|forget|override|bypass)\b[^.?!]*?\b(instruction|instructions|rules|"
    r"prompt|prompts|guidelines|above|previous|prior|disclaimer|safety)\b",
    r"\b(leave out|omit|remove|drop|skip|hide|without|no need for|don'?t (show|add|include))\b"
    r"[^.?!]*?\b(disclaimer|warning|warnings|caution|cautions|safety)\b",
    r"\byou are (now )?(my|a|an) (doctor|physician|pharmacist|nurse)\b",
    r"\b(pretend|act as|role-?play|jailbreak|developer mode|system prompt|dan mode)\b[^.?!]*",
    r"\b(say|tell me|confirm|agree) (that )?(it'?s|it is|this is|that is|k2 is)? ?"
    r"(fine|safe|ok|okay|harmless|approved)\b[^.?!]*",
]
_INSTRUCTION_RES = [re.compile(p, re.IGNORECASE) for p in _INSTRUCTIONS]

_LATIN_FOREIGN = {
    # Spanish, French, German, Italian, Portuguese, Dutch function words absent from English.
    "que", "cuánta", "cuanta", "cuánto", "cuanto", "debo", "tomar", "para", "los", "las", "una",
    "del", "con", "por", "qué", "es", "el", "la", "está", "puedo", "vitamina", "huesos", "dosis",
    "quel", "quelle", "combien", "dois", "je", "prendre", "pour", "les", "des", "une", "est",
    "avec", "vitamine", "os", "comment", "wie", "viel", "soll", "ich", "nehmen", "für", "und",
    "ist", "der", "die", "das", "mit", "knochen", "welche", "quanto", "quanta", "devo",
    "prendere", "per", "il", "ossa", "posso", "não", "nao", "hoeveel", "moet", "ik",
    "voor", "een", "het", "botten", "wat", "welke", "ossos", "quantos", "dose",
}
_ENGLISH = {
    "the", "is", "a", "an", "how", "what", "much", "should", "i", "take", "for", "of", "and",
    "to", "with", "does", "do", "can", "who", "when", "why", "my", "it", "on", "in", "are",
    "vitamin", "dose", "bone", "bones", "safe", "which", "daily", "day", "me", "be", "if",
}


def _is_non_english(question: str) -> bool:
    letters = [c for c in question if c.isalpha()]
    if not letters:
        return False
    non_latin = sum(1 for c in letters if ord(c) > 0x24F)
    if non_latin / len(letters) > 0.3:
        return True
    words = re.findall(r"[^\W\d_]+", question.lower())
    foreign = sum(1 for w in words if w in _LATIN_FOREIGN and w not in _ENGLISH)
    english = sum(1 for w in words if w in _ENGLISH)
    return foreign >= 2 and foreign > english


@dataclass(frozen=True)
class SafetyFlags:
    """What the rules found in one question, and the question with instructions removed."""

    emergency: bool
    anticoagulant: bool
    personal_dosing: bool
    instructions: bool
    non_english: bool
    cleaned: str


def assess(question: str) -> SafetyFlags:
    """Apply every rule to an already normalised question."""
    cleaned = question
    found = False
    for pattern in _INSTRUCTION_RES:
        cleaned, n = pattern.subn(" ", cleaned)
        found = found or n > 0
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" ,;:-")
    q = question.lower()
    personal = bool(_PERSONAL_DOSING.search(q) and _DOSE_WORDS.search(q))
    return SafetyFlags(
        emergency=is_emergency(question),
        anticoagulant=mentions_anticoagulant(question),
        personal_dosing=personal,
        instructions=found,
        non_english=_is_non_english(question),
        cleaned=cleaned,
    )

BANNER = (
    "**k2chat is an AI assistant that answers only from one article, \"Vitamin K2 dosage for "
    "bone health\".** Every answer quotes the article and names its section. It is not medical "
    "advice."
)
