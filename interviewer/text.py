"""Candidate text handling: sanitising, sentence splitting, quote checking and injection detection.

Candidate text is data, never instructions. These functions are plain code so that no model can be
talked out of them.
"""
from __future__ import annotations

import re
import unicodedata

MAX_KEPT_CHARS = 20_000  # what we keep of one answer; the candidate is told when a paste is cut

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# C0/C1 controls (tab and newline are handled apart), zero-width space, bidi marks and overrides
# (U+061C, U+200E/F, U+202A-E, U+2066-9) and the byte-order mark. Kept on purpose: the zero-width
# non-joiner and joiner (U+200C/D) and the variation selectors, which hold emoji and many scripts together.
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# Tag characters are invisible and can smuggle text; they are kept only inside a flag sequence (U+1F3F4 ... U+E007F).
_TAG_FLAG = re.compile(r"\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F")
_TAG = re.compile(r"[\U000E0000-\U000E007F]")


def _strip_tags(text: str) -> str:
    if not _TAG.search(text):
        return text
    out, last = [], 0
    for m in _TAG_FLAG.finditer(text):
        out.append(_TAG.sub("", text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_TAG.sub("", text[last:]))
    return "".join(out)


def strip_controls(text: str) -> str:
    """Escape sequences and control characters out, without trimming or collapsing anything (safe to
    apply piece by piece to a stream, given that no piece ends inside an escape sequence)."""
    text = ANSI.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _strip_tags(_CTRL.sub("", text))


def sanitize(text: str | None, limit: int = MAX_KEPT_CHARS) -> tuple[str, bool]:
    """Strip escape sequences and control characters, normalise Unicode, cap the length.

    Returns (clean text, whether it was cut)."""
    if not text:
        return "", False
    text = unicodedata.normalize("NFC", str(text))
    text = strip_controls(text)
    text = re.sub(r"[ \u00a0]{2,}", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    cut = len(text) > limit
    if cut:
        text = text[:limit].rstrip().rstrip("\u200d")  # no joiner left dangling at the cut
    return text, cut


_VISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def escape_controls(text: str) -> str:
    """For plain-text output: control characters (ESC, BEL, CR, bidi overrides...) shown as `\\x1b`-style
    escapes, so stored text can never drive the terminal. Newlines and tabs are kept."""
    return _VISIBLE.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}", str(text))


def clip(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters with "…" when cut (an error
    shown as "no JSON object in the r)" or "APIConnectionError: Conne)" was cut mid-word, and a validation
    error ran over three lines)."""
    one = " ".join(str(text).split())
    if len(one) <= limit:
        return one
    cut = one[: max(limit - 1, 1)]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:(") + "…"


def redact(text: str, secrets: list[str]) -> str:
    for s in secrets:
        if s and len(s) >= 6:
            text = text.replace(s, "[redacted]")
    return text


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9][A-Za-z0-9'\-@.%/+]*", text)


def word_count(text: str) -> int:
    return len(text.split())


# a sentence ends at . ! ? ; (not after an abbreviation such as "e.g.", "i.e.", "vs.", nor after "etc." unless
# a capital follows), at a line break, and at a colon before a capital
_SENT = re.compile(
    r"(?<=[.!?;])(?<![eE]\.[gG]\.)(?<![iI]\.[eE]\.)(?<!\b[vV][sS]\.)(?<!\b[cC][fF]\.)(?<!\b[aA]pprox\.)(?<!\b[iI]ncl\.)"
    r"(?<!\b[eE]sp\.)(?<!\b[aA]\.[kK]\.[aA]\.)(?<!\b[eE]tc\.(?=\s+[a-z0-9]))\s+(?=[\"'(\[]?[A-Za-z0-9])|\n+|(?<=:)\s+(?=[A-Z])"
)


def sentences(text: str, max_sentences: int = 400) -> list[str]:
    """Split into sentence-like spans, each a verbatim substring of `text` (trimmed)."""
    out: list[str] = []
    for part in _SENT.split(text):
        part = part.strip()
        if not part:
            continue
        # very long run-ons are cut into windows of about 60 words so each embeds well
        ws = part.split(" ")
        if len(ws) > 80:
            for i in range(0, len(ws), 60):
                piece = " ".join(ws[i : i + 60]).strip()
                if piece:
                    out.append(piece)
        else:
            out.append(part)
        if len(out) >= max_sentences:
            break
    return out


def norm(text: str) -> str:
    """Normalised form for quote comparison: case-folded, whitespace collapsed, quotes unified."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


def quote_in(quote: str, haystack_norm: str, min_chars: int = 12) -> bool:
    """A quote counts only if it is long enough to mean something and occurs verbatim (normalised)."""
    q = norm(quote).strip(" .\"'…")
    return len(q) >= min_chars and q in haystack_norm


# Phrases that address the grader or interviewer instead of answering. Matching sentences are
# removed before assessment and grading and can never be quoted as evidence. Words a design note uses as a
# label are not addresses: "system: p50/p99 latency per stage", "scorer: GBDT", "the evaluator computes nDCG".
_INJECTION = re.compile(
    r"""(
        ignore\s+(all\s+|any\s+|the\s+|your\s+|my\s+|previous\s+|prior\s+|above\s+)*(instructions|rubric|rules|prompt|criteria|guidelines)
      | disregard\s+(the\s+|your\s+|all\s+)*(instructions|rubric|rules|prompt|criteria)
      | (give|award|assign|grant)\s+(me|this(\s+answer)?|the\s+candidate|him|her|them)?\s*(full|maximum|max|top|perfect|highest|all\s+the)\s+(marks|score|points|grade)
      | full\s+marks | perfect\s+score | maximum\s+score | top\s+marks | highest\s+(score|grade|level)
      | (score|grade|rate|mark)\s+(this|me|it|the\s+answer)\s+(as\s+)?(a\s+)?[1-4]\b
      | (score|rating|grade)\s*[:=]\s*[1-4]\b
      | \b(the\s+candidate|this\s+candidate|this\s+answer|my\s+answer|this)\s+(scores?|gets?|earns?|merits?)\s+(a\s+)?[1-4](\s*/\s*4)?\s*($|[.!])
      | deserves?\s+(a\s+)?(4\b|four\b|(top|full|perfect|maximum|the\s+highest)\s+(marks|score|points|grade|level)|strong\s+hire)
      | \bstrong\s+hire\b | \bhire\s+me\b
      | \b(grader|grading\s+model)\s*[,:] | ^\W*(evaluator|assessor)\s*,
      | \b(dear|hey|attention|note\s+to(\s+the)?)\s+(grader|evaluator|assessor|interviewer|ai|model|llm)\b
      | \b(the\s+)?(grader|assessor)\s+(should|must|will|needs\s+to|has\s+to|is\s+instructed)\b
      | \bas\s+(the|an?)\s+(grader|evaluator|assessor|ai|language\s+model)\b
      | \byou,?\s+(the|as\s+the|being\s+the)\s+(grader|evaluator|assessor|scorer|model)\b
      | \b(be|are|is|get|been)\s+(marked|scored|graded|rated)\s+(as\s+)?(fully\s+)?(covered|met|complete|a\s+[1-4]|[1-4]|top|full)
      | ^\W*system\s*(prompt|message|override)\s*: | \bsystem\s+(prompt|message|override)\s*:
      | ^\W*system\s*:(?=.*\b(you|your|ignore|disregard|grade|grader|award|assign|override|respond|reply|assistant|instructions?)\b) | \[\s*system\s*\] | <\s*/?\s*(system|grader|instructions?)\s*>
      | you\s+are\s+now | developer\s+mode | jailbreak | new\s+instructions
      | (mark|treat|consider)\s+(all|every|each)\s+(the\s+)?criteri | all\s+criteria\s+(are\s+)?(fully\s+)?(covered|met)
      | end\s+the\s+interview | pass(ed)?\s+(every|all)\s+phases?
      | ["']?\s*score\s*["']?\s*:\s*\d
    )""",
    re.I | re.X,
)


def is_injection(sentence: str) -> bool:
    return bool(_INJECTION.search(sentence))


_MOVE_ON = re.compile(
    r"^\s*(/next\b|(i\s+)?(have\s+)?nothing\s+(more\s+)?to\s+add|let'?s\s+move\s+on|can\s+we\s+move\s+on|(i'?m|i\s+am)\s+done(\s+with\s+this)?|next\s+(phase|topic|section)|that'?s\s+all(\s+i\s+have)?|move\s+on)",
    re.I,
)
# the same request as a sentence of its own, after a word of assent ("OK, let's move on.", "Sure. Next phase
# please", "I think that covers it, let's move on", "Moving on.", "Next?", "ready to move on"); matched from the
# sentence's start (`re.match`)
_MOVE_ON_SENTENCE = re.compile(
    r"(?:[.!?;,:]\s*)?(?:(?:ok(?:ay)?|sure|alright|all\s+right|right|great|cool|good|fine|yes|yeah|yep|so|well|then|"
    r"i\s+think|i\s+guess|i\s+believe|that(?:'s|\s+is)\s+(?:it|all)|that\s+covers\s+it)[,.!]?\s+)*"
    r"(?:(?:let'?s|let\s+us|can\s+we|could\s+we|shall\s+we|should\s+we|we\s+can|i'?d\s+like\s+to|i\s+would\s+like\s+to|"
    r"i\s+want\s+to|(?:i'?m\s+|i\s+am\s+)?ready\s+to|happy\s+to|please)\s+(?:now\s+|just\s+)?(?:move|go|skip|continue|proceed)(?:\s+on)?"
    r"(?:\s+to\s+the\s+next(?:\s+(?:phase|part|section|topic|one|question))?)?"
    r"|moving\s+on|next(?:\s+(?:phase|part|section|topic|one|question))?|(?:i'?m\s+|i\s+am\s+)?done(?:\s+(?:here|with\s+this(?:\s+(?:phase|part|section))?))?)"
    r"(?:,?\s+(?:please|pls|then|now))?\W*$",
    re.I,
)


_STUCK = re.compile(
    # after a filler or two ("hmm. honestly i'm stuck on this one")
    r"^\W*(?:(?:hmm+|hm+|um+|uh+|erm?|well|honestly|to\s+be\s+honest|tbh|sorry|ok(?:ay)?|so|yeah|ah|oh)\b[\s,.!]*){0,3}"
    r"(i\s+(have|'ve\s+got)\s+nothing\s+(more\s+)?to\s+add|nothing\s+(more\s+)?to\s+add|(i\s+)?(don'?t|do\s+not)\s+know|"
    r"not\s+sure|no\s+idea|idk|dunno|no\s+clue|i'?m\s+(stuck|not\s+sure|drawing\s+a\s+blank)|pass|skip)\b",
    re.I,
)
STUCK_MAX_WORDS = 20  # a longer answer that opens "not sure" goes on to say something
# after "not sure", an attempt all the same: "not sure, but maybe a time split" is an answer
_ATTEMPT = re.compile(r"\b(but|though|maybe|probably|perhaps|possibly|i\s+guess|my\s+guess|i\s+think|i'?d\s+(?:try|guess|say|use|go))\b", re.I)


# a hint asked for in words: "can you give me a hint?", "any hints?", "i could use a nudge", "hint pls"
_HINT_ASKED = re.compile(
    r"(?:\b(?:give|offer|throw|send)\s+(?:me|us)|\b(?:i|we)\s+(?:\w+\s+)?(?:get|have|need|want|use)|\bany)\s+(?:a|some|any|another|one\s+more|one)?\s*"
    r"(?:small\s+|little\s+|quick\s+|tiny\s+)?(?:hint|nudge|clue|pointer)s?\b(?!\s+(?:of|that|at)\b)"
    r"|(?:^|[.!?]\s*)\W*(?:a\s+)?(?:hint|nudge|clue)s?\s*(?:pl[sz]|please|\?|$)|\bhelp\s+me\s+out\b",
    re.I,
)
HINT_ASK_WORDS = 30  # a longer answer that mentions a hint is an answer


def asks_for_hint(text: str) -> bool:
    """A short line that asks the interviewer for a hint in words, as /hint does."""
    t = text.strip()
    return bool(_HINT_ASKED.search(t)) and len(t.split()) <= HINT_ASK_WORDS


def is_stuck(text: str) -> bool:
    """An empty answer, or one that only says the candidate has nothing (more) to offer."""
    t = text.strip()
    if not t:
        return True
    m = _STUCK.search(t)
    return bool(m) and len(t.split()) <= STUCK_MAX_WORDS and not _ATTEMPT.search(t[m.end() :])


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def answer_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each answer in a phase's text: its answers are joined with a blank line
    (`grading.candidate_words`); a text with none is one answer."""
    cuts = [(m.start(), m.end()) for m in _BLANK_LINE.finditer(text)]
    starts = [0] + [b for _a, b in cuts]
    ends = [a for a, _b in cuts] + [len(text)]
    return list(zip(starts, ends))


def wants_to_move_on(text: str) -> bool:
    """A short line that asks to go on: it opens with the request, or is the request after a word of assent
    or a closing remark ("OK, let's move on.", "That covers it. Next?"). A claim before the request is an
    answer (`ends_moving_on`): it is challenged first."""
    t = text.strip().replace("\u2019", "'")
    if len(t.split()) > 25:
        return False
    return bool(_MOVE_ON.search(t)) or bool(_MOVE_ON_SENTENCE.match(t))


# an answer that ends by asking to go on: "... moving on to framing?", "Shall we move on to the data?"
_ENDS_MOVING_ON = re.compile(
    r"(?:^|[.!?;:]\s+|\.\s*)[^.?!]{0,40}?(?:ok(?:ay)?,?\s+|so,?\s+)?(?:(?:shall|can|should|could|may)\s+(?:we|i)\s+|(?:i'?ll|let'?s|i\s+will)\s+)?"
    r"(?:mov(?:e|ing)\s+on|go(?:ing)?\s+on|proceed(?:ing)?|turn(?:ing)?)\s+to\s+(?:the\s+)?"
    r"(?:framing|frame|data|model(?:l?ing)?|evaluation|eval|deploy\w*|serving|monitoring|next\s+(?:phase|part|section|topic|one))\b[^.?!]{0,20}[.?!]*\s*$"
    r"|\b(?:i|we)\s+(?:have|'ve\s+got|'ve)\s+enough\s+(?:info\w*\s+|context\s+)?to\s+(?:move|go)\s+on\b[^.?!]{0,30}[.?!]*\s*$"
    # asked, not narrated: "can we go to the model?", "can i start framing it?", "shall we jump to data"
    r"|(?:^|[.!?;:]\s+)[^.?!]{0,30}?\b(?:shall|can|could|may|should)\s+(?:we|i)\s+(?:now\s+|just\s+)?(?:go|jump|skip|get|start|begin)(?:\s+(?:on\s+)?(?:to|in|into|on|with))?\s+(?:the\s+)?"
    r"(?:framing|frame|data|model(?:l?ing)?|evaluation|eval|deploy\w*|serving|monitoring|next\s+(?:phase|part|section|topic|one))\b[^.?!]{0,20}[.?!]*\s*$",
    re.I,
)


_LAST_SENTENCE = re.compile(r"(?:^|(?<=[.!?])\s+)([^.!?]*[.!?]*)\s*$")


def ends_moving_on(text: str) -> bool:
    """Whether an answer closes by asking to go on to the next part (the request is honoured after it): "...
    moving on to framing?", or a last sentence that is the request alone ("... from scratch. OK, let's move on.")."""
    t = text.strip().replace("\u2019", "'")
    if _ENDS_MOVING_ON.search(t):
        return True
    last = _LAST_SENTENCE.search(t)
    return bool(last) and len(last.group(1).split()) <= 8 and bool(_MOVE_ON_SENTENCE.match(last.group(1)))


_QWORDS = re.compile(
    r"^(what|how|who|when|where|which|why|is|are|do|does|did|can|could|should|would|will|may|any|roughly|approximately)\b", re.I
)
_OPENER = r"(?:(?:so|and|also|ok(?:ay)?|right|first(?:ly)?|second(?:ly)?|next|then|now|lastly|finally|one\s+more\s+thing|before\s+(?:i|we)\s+\w+(?:\s+\w+){0,3}?(?=,)|before\s+(?:i|we)\s+\w+)[,:]?\s+)*"
_KNOW = r"(?:know|understand|hear|find\s+out|check|confirm|clarify|ask(?:\s+about)?|learn|get\s+(?:a\s+sense|an\s+idea|a\s+feel)|see|pin\s+down)"
# a sentence that asks without a question mark or a question word: "I would like to know whether we have
# chargeback labels.", "Could you tell me the daily active users.", "I'm curious about the label delay."
# The asker is the candidate ("I"), never "we": "We need to know the freshness of features, so ..." is design.
_INDIRECT = re.compile(
    r"^\W*" + _OPENER + r"(?:"
    r"i(?:'?d|\s+would)\s+(?:also\s+|really\s+|first\s+)?(?:like|love|want|need|wish)\s+to\s+" + _KNOW + r"|"
    r"i(?:'?d|\s+would)\s+(?:also\s+)?(?:like|love|want|appreciate|welcome)\s+(?:some|a\s+few|more|the|any|a|an)\b|"
    r"i\s+(?:also\s+|really\s+|first\s+)?(?:want|need|wish)\s+to\s+" + _KNOW + r"|"
    r"(?:i(?:'?m|\s+am)\s+)?(?:also\s+|just\s+|really\s+)?(?:curious|wondering)\s+(?:about|whether|if|what|how|which|who|when|where|why)|"
    r"i\s+(?:also\s+)?wonder(?:ed)?\b|i\s+was\s+(?:also\s+)?wondering|"
    r"(?:can|could|would|will)\s+you\s+(?:please\s+|also\s+|quickly\s+)?(?:tell|give|share|let|confirm|clarify|describe|explain|say|walk|help)|"
    r"(?:please\s+)?(?:tell|give|share\s+with|remind|show)\s+me\b|(?:please\s+)?let\s+me\s+know|please\s+(?:confirm|clarify|share|describe|explain|say)|"
    r"(?:can|could|may|might)\s+i\s+(?:also\s+)?(?:ask|get|have|check|confirm|know|hear)|do\s+you\s+(?:happen\s+to\s+)?know|"
    r"any\s+(?:idea|numbers|figures|data|info|information|sense)\b|"
    r"it(?:'?d|\s+would)\s+(?:help|be\s+(?:good|useful|helpful|nice|great))\s+to\s+" + _KNOW + r"|"
    r"(?:my|one|another|a|the|next|last|a\s+quick)\s+(?:more\s+|other\s+|quick\s+|final\s+|last\s+|first\s+|second\s+|next\s+)?question\s+(?:is|would\s+be)\b"
    r")(?:\s+(?:me|us)\b)?(?:\s+(?:know|hear))?(?:\s+(?:more\s+)?about\b)?",
    re.I,
)
_BARE = re.compile(r"^\W*(?:and\s+|so\s+)?(?:why|how|what|really|right|ok(?:ay)?|what\s+(?:then|else|next)|how\s+so|why\s+not|why\s+so)\W*$", re.I)
MAX_QUESTION_WORDS = 60  # a longer line is a question only when it is a list of asks (see `is_question`)


# what the candidate would do about it, said in the same sentence: "I'd want to know if it drifts, so I'd
# monitor PSI" is design, not an ask ("..., so I can size the fleet" is a reason and stays an ask)
_DESIGN_TAIL = re.compile(
    r"\b(?:so|then|and|which\s+is\s+why)\s+(?:i|we)(?:'d|'ll|\s+would|\s+will|\s+should)\b|\bby\s+(?!the\b|a\b|an\b)\w+ing\b|"
    r"[,;]\s*(?:i|we)(?:'d|'ll|\s+would|\s+will)\s+(?:monitor|track|plot|log|check|compare|measure|use|add|build|run|set|train|start|look|alert)\b",
    re.I,
)


def is_indirect_ask(sentence: str) -> bool:
    """A sentence that asks for something without being a question ("I'd like to know the latency budget."),
    and says nothing of what the candidate would do about it."""
    m = _INDIRECT.match(sentence)
    return bool(m) and not _DESIGN_TAIL.search(sentence[m.end() :])


# a guess offered with a question mark ("I don't know, accuracy maybe?", "Maybe some kind of classification?")
_TENTATIVE = re.compile(
    r"^\W*(?:(?:i\s+(?:don'?t|do\s+not)\s+know|not\s+sure|no\s+idea|i'?m\s+not\s+sure)\s*[,;:\-]+\s*|"
    r"(?:maybe|perhaps|probably|possibly|i\s+guess)\b(?!\s*,?\s*(?:you|we|there|i\s+(?:should|could|can|may)\s+ask)\b)\s*,?\s*)",
    re.I,
)


# a guess offered with a question mark at its end: "Grid search, I guess?", "A top-10 list, maybe?", "XGBoost maybe?"
_TENTATIVE_TAIL = re.compile(r"(?:,\s*|\s+)(?:maybe|perhaps|probably|possibly|i\s+guess|i\s+think|i\s+suppose|or\s+something(?:\s+like\s+that)?)\s*\?+\s*$", re.I)


def asks(sentence: str) -> bool:
    """One sentence that asks: a question (not a bare rhetorical "Why?", not a guess offered with a question
    mark, before or after it), a short sentence opening with a question word, or an indirect ask."""
    s = sentence.strip()
    if _BARE.match(s):
        return False
    if _TENTATIVE_TAIL.search(s) and not _starts_ask(s):
        return False
    t = _TENTATIVE.match(s)
    if t and not _starts_ask(s[t.end() :]) and not re.search(r",\s*(?:right|correct|yes|no)\s*\?\s*$", s, re.I):
        return False
    # without a question mark, only a question word or an auxiliary opens a question: "any mismatch beyond a
    # small tolerance blocks the backfill" is a statement
    bare = _LEAD_CONJ.sub("", s)  # "and is it for mobile too or just web": chat drops the question mark
    return s.rstrip().endswith("?") or bool(_QWORDS.match(bare) and not _NOT_ASKING_BARE.match(bare) and len(s.split()) <= 15) or is_indirect_ask(s)


_LEAD_CONJ = re.compile(r"^\W*(?:and|also|plus|or)\s+(?=(?:is|are|do|does|did|can|could|will|would|should)\s+(?:it|this|that|there|we|they|you|i|the|a|an|our|these|those)\b)", re.I)


_NOT_ASKING_BARE = re.compile(r"(?:any|roughly|approximately)\b", re.I)


def _asking_parts(text: str) -> tuple[list[str], int]:
    """The sentences of a line with the reasons after its last asking sentence set aside, and how many ask."""
    parts = [s for s in sentences(text) if s]
    # a question followed by its reason ("What is the latency budget? I ask because it decides the model
    # size.") is a question: short reasons after the last asking sentence are set aside
    while len(parts) > 1 and not asks(parts[-1]) and is_reason(parts[-1]) and len(parts[-1].split()) <= 25 and any(asks(s) for s in parts[:-1]):
        parts.pop()
    if len(parts) > 1 and _STUCK.match(parts[0]):
        # after "I don't know." a "Maybe a neural network?" or "Accuracy?" is a tentative answer; only a real
        # question ("What's the DAU?") asks
        return parts, sum(1 for s in parts[1:] if asks(s) and _starts_ask(s))
    return parts, sum(1 for s in parts if asks(s))


def is_question(text: str) -> bool:
    """A clarifying question: asking, directly or not. Up to `MAX_QUESTION_WORDS` words, at least half of the
    sentences ask (reasons after the asks set aside) and the last one asks, or every one does; a longer line
    only when it is a list of asks (two thirds of its sentences ask, the last one among them). A design answer
    with a question inside ("I'd use a GBDT. Why? Because ...", "Is that fine? I would start with ...") is an
    answer."""
    t = text.strip()
    if not t or len(t.split()) > 4 * MAX_QUESTION_WORDS:
        return False
    parts, asking = _asking_parts(t)
    if not parts or not asking:
        return False
    last = asks(parts[-1])
    if len(t.split()) > MAX_QUESTION_WORDS:
        return asking >= 2 and last and 3 * asking >= 2 * len(parts)
    return (last and 2 * asking >= len(parts)) or asking == len(parts)


_FUNCTION_WORDS = frozenset(
    "a an the of to in on for and or with by at from as is are be was were do does did can could should would will "
    "what how who when where which why we you i it this that these those there their our your my me us any some much many "
    "roughly approximately about per each every have has had get got like just also than then so if not no yes ok okay "
    "there's what's how's let's tell know need want think".split()
)


def content_words(text: str) -> set[str]:
    """Lower-cased content words of at least three letters, a trailing plural 's' dropped."""
    out = set()
    for w in re.findall(r"[a-z0-9][a-z0-9\-]+", text.lower()):
        if w in _FUNCTION_WORDS or len(w) < 3:
            continue
        out.add(w[:-1] if w.endswith("s") and len(w) > 3 else w)
    return out


# words that say little about what is asked, however rare they are in the facts ("itself", "typical",
# "actually"): a fact that lacks them still answers the ask
_GENERIC = frozenset(
    "itself themselves yourself ourselves talking normal typical typically usual usually actually really currently "
    "generally basically exactly overall whether given too something anything everything stuff thing things kind "
    "sort lot lots way ways around already still even ever often sometimes maybe perhaps quite rather pretty "
    "right now today sure okay yeah example instance mean means say said look looks like likely".split()
)


def telling_words(text: str) -> set[str]:
    """The content words of an ask that say what it asks for (generic words like "typical" left out)."""
    return {w for w in content_words(text) if w not in _GENERIC}


_AUX = (r"(?:do|does|did|is|are|was|were|be|been|has|have|had|can|could|should|would|will|must|may|might|we|you|i|they|it|he|she|"
        r"there|this|that|these|those|happens?|exactly|actually|else|get|gets|go|goes|come|comes|anything|something|anyone|anybody|someone|somebody)")
_STOP_WORDS = r"of|on|in|for|per|about|across|between|among|to|from|by|at|with|when|if|that|which|who|" + _AUX[3:-1] + r"|get|gets|go|goes|come|comes|sit|sits|need|needs|make|makes"
_STOP_HEAD = r"(?=\s+(?:" + _STOP_WORDS + r")\b|\W*$)"
# "how many DAU *use* visual search": the people counted are those before what they do (not so for "what share of
# visual searches use a cropped region", which asks for the share that does it)
_STOP_COUNTED = r"(?=\s+(?:" + _STOP_WORDS + r"|use|uses|used|visit|visits|open|opens|see|sees|buy|buys|try|tries)\b|\W*$)"
_DET = r"(?:(?:the|our|a|an|its|their|your|this|that|each|every|any|some)\s+)?"
_MOD = r"(?:(?:average|typical|total|overall|current|median|mean|rough|approximate|expected|usual|exact|main|actual|biggest|largest|main)\s+)*"
# words in front of an ask that change nothing of what it asks ("Roughly how many ...", "On average, how many ...")
_LEAD = r"^\W*(?:(?:so|and|also|roughly|approximately|about|around|ballpark|on\s+average|in\s+total|overall|today|currently)[,:]?\s+)*"
_QUANTITY = r"(?:fraction|share|percentage|percent|portion|proportion|number|amount|count|kind|kinds|type|types|sort|sorts|level|size|volume|rate)"
_HEADS = [
    re.compile(_LEAD + r"(?:what|which)(?:'s|\s+is|\s+are|\s+was|\s+were)?\s+" + _DET + _MOD + _QUANTITY + r"\s+of\s+" + _DET + _MOD + r"(?!" + _AUX + r"\b)((?:[\w\-/]+\s+){0,2}?[\w\-/]+?)" + _STOP_HEAD, re.I),
    re.compile(_LEAD + r"(?:what|which)(?:'s|\s+is|\s+are|\s+was|\s+were)?\s+" + _DET + _MOD + r"(?!" + _AUX + r"\b|" + _QUANTITY + r"\b)((?:[\w\-/]+\s+){0,2}?[\w\-/]+?)" + _STOP_HEAD, re.I),
    re.compile(_LEAD + r"how\s+(?:many|much)\s+(?!" + _AUX + r"\b|of\b)((?:[\w\-/]+\s+){0,2}?[\w\-/]+?)" + _STOP_COUNTED, re.I),
    re.compile(_LEAD + r"how\s+(?:big|large|old|long|wide|heavy)\s+(?:is|are|was|were)\s+" + _DET + _MOD + r"(?!" + _AUX + r"\b)((?:[\w\-/]+\s+){0,2}?[\w\-/]+?)" + _STOP_HEAD, re.I),
    re.compile(_LEAD + r"(?:is|are)\s+there\s+(?:(?:a|an|any|some)\s+)?(?!" + _AUX + r"\b)((?:[\w\-/]+\s+){0,1}[\w\-/]+?)" + _STOP_HEAD, re.I),
    # a yes-no question about what we have or do: "Do we support voice input" -> "voice input"
    re.compile(_LEAD + r"(?:do|does|did|can|could)\s+(?:we|you|they|users|people)\s+(?:already\s+)?(?:have|support|offer|use|keep|store|log|collect|record|track|show|allow|provide|get)\s+"
               + _DET + _MOD + r"(?!" + _AUX + r"\b)((?:[\w\-/]+\s+){0,2}?[\w\-/]+?)" + _STOP_HEAD, re.I),
    # a yes-no question about a thing named with an article: "Does the delivery fee depend on ..." -> "delivery fee"
    re.compile(_LEAD + r"(?:does|do|did|is|are|was|were|will|would|can|could|has|have)\s+(?:the|our|its|their)\s+(?!" + _AUX + r"\b)((?:[\w\-/]+\s+){0,1}?[\w\-/]+?)" + _STOP_HEAD, re.I),
]
# a condition in front of the ask ("When we contest a chargeback, what's our win rate?"): the ask is what follows
_LEAD_CONDITION = re.compile(r"^\W*(?:when|whenever|if|once|after|before|while|given\s+that|assuming)\b[^,?]{3,80},\s+(?=\w)", re.I)


def main_clause(ask: str) -> str:
    """An ask without a condition in front of it ("Once a cardholder disputes, how long ..." -> "how long ...")."""
    m = _LEAD_CONDITION.match(ask)
    return ask[m.end() :] if m else ask


# a word that stands in the place of the thing asked for without naming it ("Is there a *problem* with posts that
# spread fast?", "Is there a *way* to ...": the thing is what follows)
_VAGUE_HEADS = frozenset("problem problems issue issues concern concerns risk risks question questions way ways chance possibility option options plan plans need them it they those these this that ones "
    # a state the thing is in, not the thing: "What's *wrong* with the current detector", "What's *off-limits* to suggest"
    "wrong right off-limits allowed forbidden prohibited acceptable needed required expected possible".split())


def asked_head(ask: str) -> str:
    """The thing an ask asks for, when its form shows it ("What's the average age of our members" -> "age",
    "How many ML engineers are on the team" -> "ML engineers", "What fraction of queries are ..." -> "queries");
    "Do we support voice input" -> "voice input"; "" when it does not ("How much do we pay ...", "Is there a problem with ...")."""
    ask = main_clause(ask)
    for h in _HEADS:
        m = h.search(ask)
        if m:
            head = m.group(1)
            if head.lower() in _VAGUE_HEADS:
                return ""
            # a verb in -ing after the thing is no part of it ("the ML team *working* on this")
            return re.sub(r"(?<=\w)\s+\w+ing$", "", head) if " " in head else head
    return ""


_QUANTITY_ASK = re.compile(
    _LEAD + r"(?:how\s+(?:many|much)\b(?!\s+(?:do|does|did|is|are|should|would|will|can|could|of\s+(?:a|an|the)\s+(?:difference|problem|issue)))|"
    r"how\s+(?:big|large)\b|"
    r"(?:what|which)(?:'s|\s+is|\s+are)?\s+(?:the\s+|our\s+|its\s+|a\s+)?(?:average|median|mean|total|typical|p\d\d|peak)?\s*(?:[\w\-]+\s+){0,2}?"
    r"(?<!would\s)(?<!should\s)(?<!could\s)(?<!might\s)(?<!will\s)(?<!does\s)(?<!do\s)(?<!to\s)"  # "what would count as", a verb
    r"(?:number|count|percentage|percent|fraction|share|proportion|rate|ratio|size|price|cost|age|duration|length|dimension)\b)"
    r"|\bin\s+(?:dollars|euros|ms|milliseconds|seconds|minutes|hours|days|percent)\b|\bas\s+a\s+(?:number|figure|percentage)\b|\bper\s+(?:hour|day|week|month|second|click|search|query|page|user)\b",
    re.I,
)
_NUMBER = re.compile(
    # "one" counts only as a count or a unit ("one hour", "one in a million"), not as a pronoun ("either one")
    r"\d|\bone\s+(?:in|or\s+two|hour|day|week|month|year|minute|second|point|percent|million|billion|thousand|hundred)\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds?|thousands?|"
    r"millions?|billions?|half|third|quarter|dozens?|percent|twice|double|triple)\b",
    re.I,
)


def asks_quantity(ask: str) -> bool:
    """An ask for a number ("How many ...", "What's the average price ...", "... in dollars")."""
    return bool(_QUANTITY_ASK.search(main_clause(ask)))


# an ask for a span of time ("How long until ...", "How quickly must ...", "How soon ..."), not for a rate of growth
_DURATION_ASK = re.compile(_LEAD + r"how\s+(?:long|quickly|soon|much\s+time|fast(?![^?.]*\b(?:grow|growing|grows|increas|rising|rise)))\b", re.I)
# a span of time stated: "within a second", "two days", "90 ms", "deleted after a year"; not a rate ("per second",
# "three times a day", "5 million a day")
_DURATION = re.compile(
    r"\b(?:\d+\s*ms|ms|msec|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|months?|years?|instantly|immediately|real[- ]time|overnight|"
    r"(?:limited|short|long|set)\s+(?:time|period))\b",
    re.I,
)
_RATE_BEFORE = re.compile(r"\b(?:per|each|every)\s+$", re.I)  # "per second", "every day"
_SPAN_BEFORE = re.compile(r"\b(?:within|after|for|in|than|about|over|under|to|past|last|least|around|nearly|almost|roughly|only)\s+an?\s+$", re.I)
_ARTICLE_BEFORE = re.compile(r"\ban?\s+$", re.I)  # "a day" is a span after "within", a rate after "5 million images"


def asks_duration(ask: str) -> bool:
    """An ask for a span of time ("How long until a label arrives", "How quickly must a post be scored")."""
    return bool(_DURATION_ASK.search(main_clause(ask)))


def has_duration(text: str) -> bool:
    for m in _DURATION.finditer(text):
        before = text[: m.start()]
        if _RATE_BEFORE.search(before) or (_ARTICLE_BEFORE.search(before) and not _SPAN_BEFORE.search(before)):
            continue
        return True
    return False


# a share stated without a figure answers "how many" in words: "a large share of Android users", "most of them"
_VAGUE_QUANTITY = re.compile(
    r"(?<!\bthe\s)\bmost\b(?!\s+(?:popular|common|frequent|likely|important|recent|active|valuable)\b)|\b(?:majority|minority|handful)\b|\b(?:large|small|big|sizeable|significant|tiny|growing)\s+(?:share|fraction|portion|part|number)\b", re.I
)


def has_number(text: str) -> bool:
    return bool(_NUMBER.search(text))


def has_vague_quantity(text: str) -> bool:
    """A share stated in words ("a large share of", "most of them"): it answers how many or what share, not a price,
    an average or a length."""
    return bool(_VAGUE_QUANTITY.search(text))


# an ask for how many or what share ("How many Android users are on low-end phones?", "What fraction of ...")
_SHARE_ASK = re.compile(_LEAD + r"(?:how\s+many\b|(?:what|which)(?:'s|\s+is)?\s+(?:the\s+)?(?:share|fraction|proportion|percentage|portion)\b)", re.I)


_BARE_PERCENT = re.compile(r"(?<![\d.])\s*%(?=\s*(?:of|are|is)\b)", re.I)


_NUMBER_OF = re.compile(r"(?:(?<=^)|(?<=[\s(:,]))#\s*of\b", re.I)
_NUMBER_SIGN = re.compile(r"(?:(?<=^)|(?<=[\s(:,]))#\s+(?=[a-z])", re.I)


def spell_share(ask: str) -> str:
    """A bare "%" asked for is a share, a "#" before a word a number: "what % of searches happen on mobile" ->
    "what share of searches ...", "# imgs in index" -> "number of imgs in index"."""
    return _NUMBER_SIGN.sub("number of ", _NUMBER_OF.sub("number of", _BARE_PERCENT.sub(" share", ask)))


def asks_share(ask: str) -> bool:
    return bool(_SHARE_ASK.search(main_clause(ask)))


# a choice offered at the end of an ask ("..., Java or Go", "..., AWS or GCP"): short alternatives
_ALTERNATIVES = re.compile(r",\s*(?:is\s+it\s+|say\s+|like\s+|e\.g\.\s+)?((?:[\w\-./+#]+\s+){0,2}[\w\-./+#]+)\s+(?:or|vs\.?|versus)\s+((?:[\w\-./+#]+\s+){0,2}[\w\-./+#]+)\W*$", re.I)


def alternatives(ask: str) -> list[str]:
    """The alternatives an ask offers at its end ("Which cloud are we on, AWS or GCP" -> "AWS", "GCP"), else none."""
    m = _ALTERNATIVES.search(ask)
    return [m.group(1).strip(), m.group(2).strip()] if m else []


_ASK_START = re.compile(
    r"^\W*(what|what's|whats|how|how's|who|when|where|which|why|is|are|was|were|do|does|did|can|could|should|would|will|may|might|must|any|"
    r"roughly|approximately|tell\s+me|i'?d\s+(like|love|want)\s+to\s+(know|understand|hear)|i\s+want\s+to\s+know|i\s+wonder|"
    r"i\s+was\s+wondering|(?:and|also|plus|or)\s+(?:what|what's|whats|how|who|when|where|which|why|is|are|do|does|did|can|could|will|would|should)|also)\b",
    re.I,
)
# a sentence that gives the reason for a question, or an example of what is meant, rather than asking
_REASON = re.compile(
    r"^\W*(i\s+ask\b|i'?m\s+asking|asking\s+(because|since|as)|because\b|since\b|as\s+that\b|so\s+(that|i|we)\b|that'?s\s+because|"
    r"(that|this|it|those|these|both|either|each|the\s+answers?)(\s+\w+){0,3}?\s+(decides?|determines?|affects?|matters?|drives?|changes?|"
    r"tells?|shapes?|sets?|will|would|helps?|settles?|limits?|bounds?|caps?)\b|i'?m\s+thinking\b|"
    r"i\s+think\b|i'?m\s+trying\b|i\s+need\s+(it|this|that|them|those)\b|otherwise\b|the\s+reason\b|for\s+(context|example|instance)\b|e\.g\.|"
    r"in\s+order\s+to\b|(this|that|it)\s+is\s+(so|to|because)\b|"
    # the candidate's own decision the answer feeds ("I want to know whether we can afford a heavy model.")
    r"i(\s+|'?d\s+|\s+would\s+)(want|need|like)\s+to\s+(know|see|check|decide|judge|tell|work\s+out)\s+(whether|if|how)\s+(we|i)\s+"
    r"(can|could|should|need\s+to|have\s+to|must)\s+(afford|justify|get\s+away|fit|handle|use\s+an?\s+(heavy|big|large|deep|complex))\b)",
    re.I,
)
# a new ask inside a sentence: a conjunction, comma or semicolon followed by a question word or an auxiliary
_CLAUSE = re.compile(
    r"\s*(?:;|,\s*(?:and|or|also|plus|but)?|\b(?:and|or|also|plus|but)\b)\s+(?=(?:also\s+)?(?:what|what's|how|how's|who|when|where|which|why|"
    r"whether|is|are|was|were|do|does|did|can|could|should|would|will|must|may|any|"
    r"(?:at|by|in|for|on|to|from|after|over)\s+(?:what|which|how|when))\b)",
    re.I,
)
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7]|\d+[.)])\s+")


# the candidate's fallback after a question ("I'll assume 100M if you don't know.", "If not, I'd go with 200 ms."):
# a remark on the question, not an answer of the design
_ASSUMPTION = re.compile(
    r"^\W*(?:(?:if\s+(?:not|unknown|you\s+(?:don'?t|do\s+not)\s+know|that'?s\s+(?:unknown|not\s+known)|it'?s\s+(?:unknown|not\s+known))|"
    r"otherwise|else|failing\s+that)\W*\s*)?"
    r"(?:i'?ll|i\s+will|i'?m\s+going\s+to|i'?d|i\s+would|i'?m|i\s+am|let'?s|let\s+me|we'?ll|we\s+can|we\s+could|i\s+can)\s+"
    r"(?:just\s+|probably\s+|then\s+|for\s+now\s+)?(?:assume|assuming|go\s+with|take|guess|default\s+to|use\s+a\s+placeholder)\b|"
    r"^\W*(?:my\s+(?:guess|assumption)\s+(?:is|would\s+be)|i\s+(?:guess|suspect|imagine)\s+it'?s|(?:if\s+not|if\s+unknown|if\s+you\s+(?:don'?t|do\s+not)\s+know)\b)",
    re.I,
)


def is_reason(sentence: str) -> bool:
    """A sentence that gives the reason for a question ("I ask because ...", "That decides ..."), an example
    of what is meant ("I'm thinking card testing ...") or the candidate's fallback ("I'll assume 100M if you
    don't know."): it asks for nothing by itself."""
    return bool(_REASON.match(sentence)) or is_assumption(sentence)


def is_assumption(sentence: str) -> bool:
    """The candidate's short fallback for what they asked ("I'll assume 100M if you don't know."), with no
    design after it ("I'll assume yes, and I'd train a GBDT ..." is an answer)."""
    return bool(_ASSUMPTION.match(sentence)) and len(sentence.split()) <= 16 and not _DESIGN_TAIL.search(sentence)


# "when"/"where" opening a condition rather than a question ("When we contest a chargeback, what is our win
# rate?"): no auxiliary follows
_CONDITION = re.compile(
    r"^\W*(?:and\s+)?(?:when|where)\s+(?!(?:do|does|did|is|are|was|were|will|would|can|could|should|must|has|have|had|may|might|'s)\b)", re.I
)


# a terse ask: a bare noun phrase of a few words ("Peak QPS, and what share ..."), no verb, no subordinator
_TERSE = re.compile(
    r"^\W*(?!(?:once|if|when|whenever|where|after|before|while|since|as|because|given|for|in|on|at|with|without|during|"
    r"assuming|suppose|say|so|but|though|although|unless|until|quick|sorry|ok|okay|also)\b)(?:[\w\-/%.]+\s+){0,3}[\w\-/%.]+\W*$",
    re.I,
)


def _starts_ask(s: str) -> bool:
    return bool((_ASK_START.match(s) and not _CONDITION.match(s)) or _INDIRECT.match(s))


def _drop_lead(ask: str) -> str:
    """An indirect ask without its lead ("I'd like to know whether we have labels" -> "whether we have labels")."""
    m = _INDIRECT.match(ask)
    rest = ask[m.end() :].strip(" ,:") if m else ""
    return rest if rest and content_words(rest) else ask


# a clause that asks "how many" of nothing named, leaving the thing to the clause before ("..., and how many get
# added daily")
# ("..., and what share come from TVs": a share of the thing before)
_ELLIPTIC = re.compile(
    r"^\W*(?:and\s+)?(how\s+(?:many|much)|(?:what|which)\s+(?:share|fraction|percentage|proportion|portion|percent))\s+"
    r"(?=(?:do|does|did|is|are|was|were|get|gets|got|have|has|will|would|can|could|should|come|comes|arrive|arrives|happen|happens|use|uses|go|goes)\b)",
    re.I,
)


# a clause that asks only "how fast", "how often", ... of what the clause before it said
_DEGREE_ONLY = re.compile(r"^\W*(?:and|but|or|also)?\s*how\s+(?:fast|quickly|often|frequently|long|big|large|much|many|soon|far|badly|well)\W*$", re.I)


# a reason put before the question in the same sentence ("Since policy changes often, how often do new classes
# get added?", "Given the spill-over, I'd like to know how ..."): the reason asks nothing, the rest does
_REASON_LEAD = re.compile(r"^\W*(?:since|because|as|given(?:\s+that)?|seeing\s+(?:as|that)|considering(?:\s+that)?)\s", re.I)


def _ask_after_reason(q: str) -> str | None:
    """The ask after the reason a sentence opens with ("Since X, how often ..." -> "how often ..."), else None."""
    if not _REASON_LEAD.match(q):
        return None
    for m in re.finditer(r",\s*", q):
        tail = q[m.end() :]
        if _starts_ask(tail) and content_words(tail):
            return tail
    return None


def _past_reason_lead(q: str) -> str:
    """A sentence that opens with a reason and then asks, as an ask: an indirect ask without the reason ("Since
    X, I'd like to know how ..." -> "I'd like to know how ..."), a direct one with it, as the context the ask
    is put in ("Since X, how often ...", which the clauses keep with the first ask); else as is."""
    tail = _ask_after_reason(q)
    return tail if tail is not None and _INDIRECT.match(tail) else q


# the reason after an ask, in the same sentence ("What latency do we have for the listing page, given the estimate
# is computed for every restaurant shown?"): it set the ask's words apart from the fact that answers it
_TRAILING_REASON = re.compile(r",\s+(?:given(?:\s+that)?|since|because|considering(?:\s+that)?|seeing\s+(?:as|that))\s.*$", re.I | re.S)


# a word that numbers the asks ("First, where is it shown? Second, how many orders ...?") and asks nothing
_ENUMERATOR = re.compile(r"\W*(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|fourth(?:ly)?|fifth(?:ly)?|last(?:ly)?|finally|next|then|also|one|two|three|four|five)\W*", re.I)


_BRACKETED = re.compile(r"^\s*(\([^()]{1,80}\))")


# a label over the asks that follow it ("Qs: surface? scale? latency?"): never part of an ask
_ASK_LABEL = re.compile(r"^\W*(?:q|qs|questions?|clarifying(?:\s+q(?:uestion)?s?)?|asks?|(?:a\s+few|some|my|quick|first)\s+q(?:uestion)?s?)\W*$", re.I)


def clarify_asks(text: str, limit: int = 10) -> list[str]:
    """The separate asks of a clarifying line, each to be answered on its own: every question, every bullet,
    and every clause of a question that asks for something else ("What's the QPS at peak and how many ms does
    the model get?" -> two asks). A trailing reason or example is not an ask, a lead-in before a colon is
    dropped, and a leading clause that asks nothing ("Once a cardholder disputes a purchase, how long ...")
    stays with the ask it sets up."""
    lines: list[str] = []
    bullets: list[str] = []
    questioned: set[str] = set()  # a question with its bracketed aside moved after the question mark
    topic = ""  # a note-style lead-in on its own ("cost of errors:") names what the next ask is about
    for s in sentences(text):
        if _BULLET.match(s):
            bullets.append(s)
        s = _BULLET.sub("", s)
        if s.rstrip().endswith(":") and len(s.split()) <= 6:
            topic = s.rstrip().rstrip(":").strip()
            continue
        if topic:
            s, topic = f"{topic}: {s}", ""
        head, colon, tail = s.partition(": ")
        if colon and (_ASK_LABEL.match(head) or (_starts_ask(tail) and not _starts_ask(head))):
            s = tail
        for q in re.split(r"\?+\s*", s):
            # an aside in brackets just after a question mark belongs to that question ("scale? (txns/sec, peak),
            # card-not-present only or also in-store?": the scale in transactions a second, then the choice)
            aside = _BRACKETED.match(q)
            if aside and lines:
                lines[-1], q = f"{lines[-1]} {aside.group(1)}", q[aside.end():]
                questioned.add(lines[-1])
            if q.strip(" ,;."):
                lines.append(q.strip(" ,;."))
    if not lines:
        return []
    lines = [_past_reason_lead(q) for q in lines]
    keep = [q for q in lines if not is_reason(q) or _ask_after_reason(q) is not None]
    asking = [q for q in keep if _starts_ask(q) or re.search(re.escape(q) + r"\s*\?", text) or q in questioned or any(q in b for b in bullets)]
    keep = asking or keep or lines[:1]
    out: list[str] = []
    for q in keep:
        indirect = bool(_INDIRECT.match(q))
        clauses = [c.strip(" ,;") for c in _CLAUSE.split(_drop_lead(q))]
        clauses = [c for c in clauses if c and content_words(c)]
        lead = ""
        for n, c in enumerate(clauses):
            if n == 0 and len(clauses) > 1 and not indirect and (_CONDITION.match(c) or (not _starts_ask(c) and not _TERSE.match(c))):
                lead = c + ", "  # context for the ask that follows
                continue
            if _STUCK.fullmatch(c) or _ENUMERATOR.fullmatch(c):  # "idk, how many ...?", "First, where ...?": asks nothing
                continue
            if out and _DEGREE_ONLY.match(c):  # "Is the fleet growing, and how fast?": one ask, not two
                out[-1] = f"{out[-1]}, {c}"
                continue
            m = _ELLIPTIC.match(c)
            head = asked_head(clauses[n - 1]) if n and m else ""
            if head:  # "How many clips are eligible, and how many get added daily" -> "how many clips get added daily"
                joint = " of" if not m.group(1).lower().startswith("how") else ""
                c = f"{m.group(1)}{joint} {head} {c[m.end():]}"
            trimmed = _TRAILING_REASON.sub("", c)  # "What latency do we have, given the estimate is ...": the ask
            out.append(lead + (trimmed if content_words(trimmed) else c))
            lead = ""
    return out[:limit]


_LIST = re.compile(r"\s*(?:,\s*(?:and|or|plus)?|\b(?:and|or|plus|as\s+well\s+as|vs\.?|versus)\b|\s[+&]\s|(?<=\w)[+&](?=\w))\s*", re.I)


# a list that ends a prepositional phrase qualifies the ask rather than listing things asked for: "How well
# calibrated is the model by placement and country", "What recall is required on faces and plates"
_QUALIFIED = re.compile(r"\b(?:by|on|in|across|per|between|among|for|from|at|with|over|within|inside)\s+(?:(?:the|our|a|an|each|every|both)\s+)?[\w\-/]+$", re.I)


def ask_items(ask: str) -> list[str]:
    """The items of one ask that lists several things ("QPS and p99 for the module" -> "QPS", "p99 for the
    module"); nothing when it names one thing, or when the list only qualifies it ("... by placement and
    country"). An item answers on its own only when it clearly does."""
    items = [p.strip() for p in _LIST.split(ask) if p and content_words(p)]
    # a note's lead-in ("scale: # imgs in index, QPS") makes it a list of things asked for, not a qualified ask
    if len(items) > 1 and _QUALIFIED.search(items[0]) and all(len(x.split()) <= 3 for x in items[1:]) and not _NOTE_LEAD.match(items[0]):
        return []
    if len(items) < 2:
        return []
    # "how many users and events": the later thing is counted too ("events" alone answered nothing)
    head = _COUNT_HEAD.match(items[0])
    if head:
        items = items[:1] + [x if _starts_ask(x) or len(x.split()) > 4 or _PREP_FIRST.match(x) else f"{head.group(1)} {x}" for x in items[1:]]
    return items


_NOTE_LEAD = re.compile(r"^\W*[\w/-]+(?:\s+[\w/-]+)?:\s+\S")
_PREP_FIRST = re.compile(r"^\W*(?:from|with|without|in|on|at|by|for|of|to|via|through|under|over)\b", re.I)
# the counting head of a list's first item, carried to the bare things after it
_COUNT_HEAD = re.compile(r"^\W*(?:\w+\s+){0,2}?(how\s+(?:many|much)|what(?:'s|\s+is|\s+are)?\s+the\s+(?:number|count|size|volume)\s+of)\s", re.I)


def plural(n: float, word: str) -> str:
    """`n` rounded, with the word in the singular or plural: "1 minute", "0 minutes", "3 minutes"."""
    k = int(round(n))
    return f"{k} {word}{'' if k == 1 else 's'}"


def inline_title(title: str) -> str:
    """A title to put mid-sentence: the first word lower-cased unless it is an acronym ("ML", "A/B")
    or a name with capitals inside; the rest is kept as written ("ML task", "p99")."""
    head, _, rest = title.partition(" ")
    if not head or sum(ch.isupper() for ch in head) != 1 or not head[0].isupper():
        return title
    return head[0].lower() + head[1:] + (" " + rest if rest else "")


def slug(text: str) -> str:
    """A heading's anchor, as note references write it ("Leakage and time-based splits" -> "leakage-and-time-based-splits")."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def has_questions(text: str) -> bool:
    """Whether a line puts at least one question to the interviewer (a sentence that asks, with its question
    mark), whatever else it says: a clarifying answer that states assumptions and asks along the way."""
    return any(s.rstrip().endswith("?") and asks(s) for s in sentences(text))


# words said before a question that do not change it: "Sorry, what do you mean ...", "Hmm, and do we ..."
_ASIDE = re.compile(r"^\W*(?:(?:sorry|hmm+|um+|uh+|wait|ok(?:ay)?|so|and|but|also|then|right|just|idk|dunno|quick\s+question|one\s+thing)\b[,:]?\s*)+", re.I)


def asks_directly(text: str) -> bool:
    """Whether some asking sentence of `text` is put as a question (opens with a question word or an
    auxiliary, or asks indirectly), not a statement with a question mark at its end ("And the payments we
    declined never get a chargeback, so we don't know if they were fraud?"): past clarifying, such a rising
    statement is an answer offered for checking, not a question for the case's facts."""
    for sent in sentences(text):
        if not asks(sent):
            continue
        rest = sent[m.end() :] if (m := _ASIDE.match(sent)) else sent
        tail = sent.rsplit(": ", 1)[-1]  # "Quick question back: what scale of index ...?"
        if _starts_ask(rest) or _starts_ask(sent) or _starts_ask(tail) or is_indirect_ask(sent):
            return True
    return False


# a check-in at the end of an answer ("Does that make sense?", "Shall I go on?"): no question for the case
_CHECK_IN = re.compile(
    r"^\W*(?:(?:does|did)\s+(?:that|this)\s+(?:make\s+sense|sound\s+(?:ok(?:ay)?|right|good|reasonable)|work(?:\s+for\s+you)?|answer)|"
    r"(?:is|was)\s+(?:that|this)\s+(?:ok(?:ay)?|clear|fine|right|enough|what\s+you\s+(?:meant|wanted|were\s+after))|"
    r"(?:shall|should|can|may)\s+i\s+(?:go\s+on|continue|keep\s+going|go\s+deeper|elaborate)|"
    r"(?:do\s+you\s+)?want\s+me\s+to\s+(?:go\s+on|continue|elaborate)|any\s+questions|make\s+sense|sound\s+(?:ok(?:ay)?|good|right))\b",
    re.I,
)


def asks_back(text: str) -> bool:
    """Whether an answer ends by putting a question to the interviewer ("... Quick question back: what scale
    of index are we talking about?", "Is it OK to assume we have a feature store?"), not a check-in."""
    parts = [s for s in sentences(text) if s]
    if len(parts) < 2:
        return False
    last = parts[-1].strip()
    return last.endswith("?") and asks_directly(last) and not _CHECK_IN.search(_ASIDE.sub("", last, count=1))


def asked_part(text: str) -> str:
    """The asking sentences of a clarifying line, without the reasons or remarks around them ("What is the
    latency budget? I ask because it decides the model size." -> "What is the latency budget?"); the whole
    line when no sentence asks."""
    asking = [s for s in sentences(text) if asks(s) and not (is_reason(s) and not s.rstrip().endswith("?"))]
    return " ".join(asking) or text


# the candidate asks what the interviewer's question meant: "Sorry, do you mean A or B?", "When you say
# constraints, ...?", "By training, do you mean ...?", "Can you clarify what you mean?", "Could you rephrase that?"
_WHAT_MEANT = re.compile(
    r"\b(?:(?:do|did)\s+you\s+mean|what\s+(?:do|did)\s+you\s+mean|when\s+you\s+say|clarify\s+what\s+(?:you|the\s+question)|"
    r"what\s+(?:\w+\s+){0,2}you\s+mean|(?:could|can|would)\s+you\s+(?:rephrase|repeat|reword|explain\s+(?:the|your)\s+question)|"
    r"what\s+(?:exactly\s+)?(?:are\s+you|is\s+the\s+question)\s+asking)\b",
    re.I,
)


def asks_what_was_meant(text: str) -> bool:
    """Whether a question of the candidate's asks what the interviewer's own question meant (it wants the
    question put another way, not a fact of the case)."""
    return any(s.rstrip().endswith("?") and _WHAT_MEANT.search(s) for s in sentences(text)) or bool(
        _WHAT_MEANT.search(text) and is_question(text)
    )

