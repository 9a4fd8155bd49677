"""Write a parsed sentence as a job: verb + object + context, lemmatised ("reconcile invoices across clients").

The rules of `normalise_job` decide which verb heads the job (not a light verb, a fact about the speaker or an
avoided action), where the job ends (a new clause, a link, a whole phrase at most MAX_JOB_TOKENS words long) and
which jobs say nothing (`is_vague`, `is_recruiting_talk`). Each rule's measured effect: docs/method.md,
"Job statements".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

#: Verbs that introduce a job rather than being the job ("helps X *do*", "I want to *do*").
LIGHT_VERBS = frozenset(
    "help let enable allow empower make want need wish like love look try seek struggle hope know wonder "
    "require be have do get go use provide give".split()
)
DROP_DEPS = frozenset({"det", "poss", "aux", "auxpass", "neg", "punct", "mark", "expl", "nsubj", "nsubjpass"})
STOP_WORDS = frozenset({"that", "which", "who", "where", "while", "so", "because", "when", "if", "whom"})
#: A conjunction followed by one of these opens a clause of its own: "build it and we're looking for ...".
CLAUSE_CONJUNCTIONS = frozenset({"and", "but", "or", "so", "yet"})
SUBJECT_PRONOUNS = frozenset({"i", "we", "you", "they", "he", "she", "it"})
MAX_JOB_TOKENS = 9
#: Words a job cannot end on: "build systems at scale as", "change how", "turn requirements into".
TRAILING_WORDS = frozenset(
    "and or but so also to for of with in on at by as from into like than about around how what while &".split()
)
#: Words that point elsewhere: "handle this", "find one" name no job by themselves.
VAGUE_WORDS = frozenset(
    "this that these those it them one ones something anything everything thing things stuff about so there here "
    "do doing go going way ways what how which".split()
)


#: Nouns that name no particular job: "deal with issues", "avoid trouble", "find the best option".
GENERIC_NOUNS = frozenset(
    "issue issues problem problems option options trouble situation situations question questions advice way ways "
    "thing things stuff lot lots kind sort type types case cases point points idea ideas matter matters "
    "something anything everything one ones someone people time really just also more well still even now "
    "better much very too again already actually best good great helpful right possible necessary important "
    "useful easy hard appropriate correct proper legal general specific other same different certain such "
    "most many few several".split()
)


def _names_something(tokens: Sequence[Any]) -> bool:
    """True when some noun, adjective, adverb or number after the job's verb is not generic ("hire faster")."""
    return any(
        t.pos_ in ("NOUN", "PROPN", "ADJ", "NUM", "ADV")
        and t.lower_ not in GENERIC_NOUNS
        and t.lower_ not in VAGUE_WORDS
        for t in tokens
    )


#: Recruiting talk, not work: "hear from you", "join our team", "hire engineers".
SOCIAL_VERBS = frozenset("join hear talk chat meet speak welcome hire recruit contact reach apply grow".split())
#: Objects so generic that any company could claim them: "solve challenging problems", "build better products".
GENERIC_WORDS = frozenset(
    "you your us team teams problem problems challenge challenges product products software thing things world "
    "future difference impact "
    "challenging hard interesting better great amazing exciting new innovative best world-class cutting-edge "
    "meaningful real awesome cool big bigger complex difficult fun of for to and with in at the".split()
)


#: Verbs whose past participle states a fact about the speaker, not a job: "based in Berlin", "founded in 2012",
#: "backed by Sequoia", "trusted by 10,000 companies".
FACT_VERBS = frozenset("base found locate headquarter back trust establish".split())
#: Verbs whose present participle, as an adjective, makes a claim about the speaker: "the leading platform for X",
#: "industry-leading data discovery", "our founding team".
CLAIM_VERBS = FACT_VERBS | {"lead"}
#: Nouns that make a line a job title when they follow a bullet's verb: "Lead DevOps Engineer", "Research
#: Scientist", "Design Systems Engineer" head a list of openings, not of tasks.
ROLE_NOUNS = frozenset(
    "engineer developer designer manager scientist architect analyst writer researcher lead director intern "
    "specialist consultant administrator marketer recruiter officer associate representative strategist "
    "technician editor producer coordinator".split()
)


#: Verbs that say how something strikes the speaker, not what anyone gets done: a job they would head is no job
#: ("things that seem impossibly hard", "this may sound a little strange", "it seems excellent to me").
IMPRESSION_VERBS = frozenset("seem sound appear".split())


#: The spaCy token attribute (`token._.jtbd_lemma`) that `extract.load_parser` registers: the lemma, made on demand.
LEMMA = "jtbd_lemma"


def lemma(token: Any) -> str:
    """The token's lemma, lower-cased, made when asked (`extract.load_parser` leaves lemmatising out of the pipe)."""
    return str(token._.get(LEMMA) if token.has_extension(LEMMA) else token.lemma_).lower()


def _heads_job(token: Any) -> bool:
    """Whether `token` can be a job's verb: a content verb, not a light one, nor a participle that states a fact or
    a claim about the speaker (`_fact_participle`: "cloud-based web app" is no job of basing, "the leading platform
    for X" none of leading)."""
    return token.pos_ == "VERB" and lemma(token) not in LIGHT_VERBS and not _fact_participle(token)


#: Words that put the verb after them in the place of what is avoided, not done: "get insights without [writing]
#: code", "focus on business needs instead of [fighting] technological challenges".
AVOIDING = frozenset({"without", "instead of", "rather than"})


def _avoided(token: Any) -> bool:
    """Whether a verb names what the speaker avoids ("without compromising on privacy"): its job is the opposite of
    the one stated."""
    before = [t.lower_ for t in token.doc[max(token.i - 2, 0) : token.i]]
    governed = token.dep_ == "pcomp" and token.head.lower_ == "without"  # "without ever writing code"
    return governed or before[-1:] == ["without"] or " ".join(before) in AVOIDING


def _fact_participle(token: Any) -> bool:
    """A participle that states a fact or makes a claim about the speaker: "based" (FACT_VERBS), or "leading" and
    "founding" as adjectives (CLAIM_VERBS; "leading the design" is a job)."""
    word = lemma(token)
    if token.tag_ == "VBG":
        return token.dep_ in ("amod", "compound") and word in CLAIM_VERBS
    return token.tag_ == "VBN" and word in FACT_VERBS


def _role_title(tokens: Sequence[Any]) -> bool:
    """Whether a bullet line names an opening, not a task: its first word is followed by capitalised words and then
    a role ("Lead DevOps Engineer", "Research Engineers/Scientists", "Lead Vue developer (1+ years)") or a link
    ("Lead Javascript: <link>"). A lowercase word first makes it a task ("Lead the design of our API", "Mentor
    junior engineers"), and so does a lowercase role that a word follows ("Build developer tools")."""
    first = next((n for n, t in enumerate(tokens) if _has_letters(t)), None)
    if first is None:
        return False
    for token in tokens[first + 1 : first + 12]:
        name = re.sub(r"[^a-z]", "", token.lower_)
        capitalised = any(c.isupper() for c in token.text)
        last = token.i + 1 == len(token.doc) or not _has_letters(token.doc[token.i + 1])
        if name.removesuffix("s") in ROLE_NOUNS and (capitalised or last):  # not "Build developer tools"
            return True
        if _is_link(token):
            return True
        glued = token.i > 0 and not token.doc[token.i - 1].whitespace_  # "Full-stack": one word
        if name and not capitalised and not glued:
            return False
    return False


def _has_letters(token: Any) -> bool:
    return any(c.isalpha() for c in token.text)


def _states_fact(token: Any) -> bool:
    """A FACT_VERBS participle as predicate ("is based in"), not as adjective ("Seattle-based")."""
    return _fact_participle(token) and token.dep_ not in ("amod", "compound")


def _opens_clause(conjunction: Any) -> bool:
    """Whether the word after `conjunction` is a subject pronoun ("and we", "but I"), not "IT" ("security and IT
    tools")."""
    following = conjunction.nbor() if conjunction.i + 1 < len(conjunction.doc) else None
    return following is not None and following.lower_ in SUBJECT_PRONOUNS and following.text != "IT"


#: Question words: a verb-less job does not start with them ("[what are] top 10 vc blogs").
QUESTION_TAGS = frozenset({"WP", "WDT", "WRB", "WP$"})
#: A link, not a name: "https://...", "www....", "grnh.se/b3c1eba11". spaCy's like_url also takes "node.js" and
#: "booking.com", which are names.
LINK = re.compile(r"[a-z][\w+.-]*://|www\.|[\w-]+(?:\.[\w-]+)+/\S", re.IGNORECASE)


def _question_frame(token: Any) -> bool:
    """A question word or an auxiliary that frames a question ("what", "is there", "would be"), not the infinitive
    "be" of "enable customers to be safe"."""
    if token.tag_ in QUESTION_TAGS:
        return True
    return token.pos_ == "AUX" and not (token.tag_ == "VB" and token.i > 0 and token.doc[token.i - 1].lower_ == "to")


def _is_link(token: Any) -> bool:
    return LINK.match(token.text) is not None


def is_vague(job: str) -> bool:
    """A job whose every word after the verb is a pronoun or filler ("go about doing this") says nothing."""
    words = job.split()
    return len(words) < 2 or all(w in VAGUE_WORDS for w in words[1:])


def is_recruiting_talk(job: str) -> bool:
    """In a posting, a recruiting phrase ("hear from you", "join our team") or a claim any company could make
    ("solve challenging problems") is not a job. A founder who wants to "hire a lawyer" states a real one."""
    words = job.split()
    return words[0] in SOCIAL_VERBS or all(w in GENERIC_WORDS for w in words[1:])


def normalise_job(parsed: Any, cue_offset: int, *, cue_is_verb: bool = False) -> str:
    """Write a parsed span as verb + object + context: "reconcile invoices across several clients".

    The job's verb is the first content verb at or after the cue; the light verbs that introduce a job
    ("helps X", "want to", "looking for") are skipped, and so are facts about the speaker ("based in", "trusted
    by": `_heads_job`). Without such a verb, the span's words are kept, unless it only states such a fact, and
    from its first content word on ("[What are the] pros/cons of organic growth": "cons of organic growth").

    `cue_is_verb`: the cue is the span's first word, a verb from a list ("bullet verb": "- Design algorithms for
    X"). When the tagger finds no verb after it, it is taken as the verb anyway (the tagger reads a sentence-initial
    "Design" or "Mentor" as a noun), unless the line is a job title ("Lead DevOps Engineer").
    """
    tokens = list(parsed)
    verbs = [t for t in tokens if _heads_job(t) and t.dep_ != "aux"]
    avoids = any(_avoided(t) for t in verbs)
    verb = next((t for t in verbs if t.idx + len(t.text) >= cue_offset and not _avoided(t)), None)
    verb_word = None  # the verb as written, when the tagger did not take it for one
    if cue_is_verb and (verb is None or verb.idx < cue_offset):
        if _role_title(tokens):
            return ""
        if verb is None:
            verb = next((t for t in tokens if _has_letters(t)), None)
            verb_word = re.sub(r"^[^a-z]+", "", verb.lower_) if verb is not None else None  # "-Manage"
    if verb is None:
        verb = next((t for t in tokens if _heads_job(t) and not _avoided(t)), None)
        if verb is None and avoids:
            return ""  # "... laser-focus on business needs instead of fighting technological challenges"
    if verb is not None and lemma(verb) in IMPRESSION_VERBS:
        return ""  # rewording around it gave "have two questions really seem like reasonable amount"
    if verb is None:
        if any(_states_fact(t) for t in tokens):
            return ""  # "we are headquartered in Berlin"
        words_only = [
            t
            for t in tokens
            if not (t.is_punct or t.is_space or _is_link(t) or _fact_participle(t)) and t.dep_ not in DROP_DEPS
        ]  # "industry [leading] data discovery"
        kept = [t for t in words_only if t.idx >= cue_offset and t.tag_ != "POS"] or words_only
        while kept and (kept[0].pos_ in ("CCONJ", "SCONJ", "ADP", "PART") or _question_frame(kept[0])):
            kept = kept[1:]  # "or use a personal bank account" starts at "use"; "[what are] cons of organic growth"
        job = " ".join(t.lower_ for t in kept[:MAX_JOB_TOKENS]).rstrip(" |").split()  # "data scientist | <link>"
        return " ".join(_without_trailing_words(job)) if _names_something(kept) else ""
    words = [verb_word or lemma(verb)]
    word_tokens = [verb]  # the token each word starts at
    has_object = False  # a content word after the verb: only then may a clause boundary end the job
    previous = verb
    stop = None  # the token the job stops before, when that token may leave a phrase unfinished
    skipped = None  # the first of the words skipped since the last one kept ("our" in "tools [our team uses]")
    for token in tokens[verb.i - tokens[0].i + 1 :]:
        if token.is_space:
            continue  # a run of spaces in pasted text is a token of its own
        glued = not previous.whitespace_  # "co-founder", "e-commerce", "B2B/SaaS", "C#": one word for us
        previous = token
        if glued and (token.text in "-/+&#" or (words[-1].endswith(tuple("-/+&")) and not token.is_punct)):
            words[-1] += token.lower_
            continue
        if token.text == "," and len(word_tokens) > 1 and _inside_phrase(word_tokens[-1], token):
            continue  # "small, hyperlinked flowcharts": the comma is inside the phrase
        if (token.is_punct and token.text != "&") or _is_link(token):  # "&": "bells & whistles"
            break  # "build at https://spacelift.io and also see our blog" names no job
        # A clause ends the job once it has an object; "determine if someone owns X" keeps its clause. A coordinated
        # clause with a subject of its own ends it even without one: "build it and we're looking for ...".
        if (has_object and (token.lower_ in STOP_WORDS or token.dep_ == "nsubj")) or (
            token.lower_ in CLAUSE_CONJUNCTIONS and _opens_clause(token)
        ):
            stop = skipped or token
            break
        if len(words) >= MAX_JOB_TOKENS:
            stop = skipped or token
            break
        if token.dep_ in ("det", "poss", "case") or token.pos_ == "AUX" or token.tag_ == "POS":
            skipped = skipped or token
            continue  # "the", "our", "Zulip's" (the possessor goes, and so does its 's)
        has_object = has_object or token.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "NUM")
        words.append(token.lower_)
        word_tokens.append(token)
        skipped = None
    if stop is not None:
        words = words[: _complete_phrase_end(word_tokens, stop, tokens[-1])]
    words = _without_trailing_words(words)
    return " ".join(words) if _names_something(word_tokens[1 : len(words)]) else ""


def _without_trailing_words(words: list[str]) -> list[str]:
    """`words` up to the last that a job may end on (TRAILING_WORDS), keeping at least one."""
    end = len(words)
    while end > 1 and words[end - 1] in TRAILING_WORDS:
        end -= 1
    return words[:end]


def _inside_phrase(word: Any, comma: Any) -> bool:
    """Whether `comma`, after the job's last `word`, sits inside a phrase: the word qualifies one after the comma
    ("small, hyperlinked [flowcharts]"), or adjectives are listed ("clean, compatible, and powerful code")."""
    if word.head.i > comma.i:
        return True
    following = next((t for t in comma.doc[comma.i + 1 :] if not (t.is_punct or t.pos_ == "CCONJ")), None)
    return word.pos_ == "ADJ" and following is not None and following.pos_ == "ADJ"


#: Parts of speech that open a phrase: a job cut short may end before one, not inside the phrase it opens.
PHRASE_OPENERS = frozenset({"ADP", "CCONJ", "SCONJ", "PART", "VERB"})
#: What a word needs after it: "to drive [growth]", "per [second]", "to make [payments simple]".
OBJECT_DEPS = frozenset({"dobj", "obj", "pobj", "pcomp", "xcomp", "ccomp", "attr", "acomp", "oprd", "dative"})


def _complete_phrase_end(word_tokens: Sequence[Any], stop: Any, span_end: Any) -> int:
    """How many of a job's words to keep when it stops at token `stop` (MAX_JOB_TOKENS words, or a new clause), so
    that it does not end inside a phrase: "build new kind of search engine powered by advanced [AI]" keeps "build
    new kind of search engine", "build backend systems based on rust to make [payments simple]" keeps "build
    backend systems based on rust". A job whose last phrase is whole ("... for online game console [and PC]")
    keeps every word, and so does one with no earlier place to end."""
    verb, rest = word_tokens[0], stop.doc[stop.i : span_end.i + 1]
    lost_object = any(t.dep_ in OBJECT_DEPS and verb.i <= t.head.i < stop.i for t in rest)
    if _ends_phrase(verb, stop.i) and not lost_object:
        return len(word_tokens)
    for n in range(len(word_tokens) - 1, 1, -1):
        if word_tokens[n].pos_ in PHRASE_OPENERS and _ends_phrase(verb, word_tokens[n].i):
            while n > 1 and _dangles(word_tokens[n - 1], word_tokens[n].i):
                n -= 1  # "search engine powered [by ...]": the participle goes with its phrase
            kept = word_tokens[1:n]
            if _names_something(kept) and not all(t.lower_ in GENERIC_WORDS for t in kept):
                return n  # not "solve complex problems" from "... with storing and sharing medical imaging [data]"
    return len(word_tokens)


def _dangles(token: Any, end: int) -> bool:
    """Whether a job cannot end on `token` once the words from token `end` on are gone: a preposition, conjunction
    or article, a word that qualifies one of them ("by quietly [rolling out]"), or a verb that loses a word of its
    own ("powered [by AI]"; not "reasoning and learning", nor "system architectures [for]" that the parser took for
    a verb)."""
    if token.pos_ in ("ADP", "CCONJ", "SCONJ", "PART", "AUX", "DET") or token.head.i >= end:
        return True
    return token.tag_ in ("VBN", "VBG") and any(child.i >= end for child in token.children)


def _ends_phrase(verb: Any, end: int) -> bool:
    """Whether the words from `verb` up to token `end` hang together: none of them depends on a word at or after
    `end` ("scientific and societal [progress]" does)."""
    return all(t.head.i < end for t in verb.doc[verb.i + 1 : end])
