"""The phrase rules that mark a sentence as a job statement, and the ones that mark posting boilerplate.

Rules are ordered: the first cue that fires names the statement's kind. Postings and discussions have their own
cues ("we are looking for" is hiring in a posting, a search in a forum question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jtbd.types import StatementKind


@dataclass(frozen=True)
class Cue:
    name: str
    kind: StatementKind
    pattern: re.Pattern[str]
    doc_kind: str | None = None  # None: fires in postings and discussions
    top_level_only: bool = False  # a question in a reply is asked of the person replied to, not a job of one's own
    #: Phrases that look like the cue but are not it ("work hard to"): blanked out before `pattern` searches.
    exclude: re.Pattern[str] | None = None

    def search(self, sentence: str) -> re.Match[str] | None:
        """Where the cue fires in `sentence`, outside its `exclude` phrases (offsets are the sentence's own)."""
        if self.exclude is not None:
            sentence = self.exclude.sub(lambda m: " " * len(m.group()), sentence)
        return self.pattern.search(sentence)


def _cue(
    name: str,
    kind: StatementKind,
    regex: str,
    doc_kind: str | None = None,
    top_level_only: bool = False,
    exclude: str | None = None,
) -> Cue:
    return Cue(
        name,
        kind,
        re.compile(regex, re.IGNORECASE),
        doc_kind,
        top_level_only,
        re.compile(exclude, re.IGNORECASE) if exclude else None,
    )


_I = r"\b(?:i|we|my team|our team|our company)\b(?:'m|'re| am| are)?"

CUES: tuple[Cue, ...] = (
    # Postings: the work a company pays for, then the job it does for its customers.
    _cue(
        "you will",
        "role_work",
        r"\byou(?:'ll| will| would|'d)? (?:be )?(?:\w+ly )?(?:build|design|own|lead|develop|create|architect|implement"
        r"|scale|drive|maintain|work on|help|ship|write|manage|improve|define|shape|join|take|run|bring|set up"
        r"|be responsible|be building|be working|be joining|be designing|be leading|be developing|be owning)\b",
        "posting",
    ),
    _cue(
        "responsible for",
        "role_work",
        r"\b(?:responsibilities include|responsible for|the role (?:involves|includes|is to)|your (?:job|role|mission)"
        r" (?:is|will be) to|in this role)\b",
        "posting",
    ),
    _cue(
        "hiring to",
        "role_work",
        r"\b(?:looking for|hiring|seeking|need|searching for)\b[^.]{0,60}?\b(?:engineers?|developers?|designers?|"
        r"scientists?|people|someone|folks|hackers?|leads?|managers?|[a-z]+ists?)\b (?:to|who (?:can|will|wants to))"
        r" (?!join\b|be\b|work with\b|grow\b|come\b)\w+",
        "posting",
    ),
    _cue(
        "bullet verb",
        "role_work",
        r"^[\W\d]{0,4}(?:build|design|own|develop|maintain|lead|work closely|work on|create|implement|architect|scale|"
        r"ship|write|manage|improve|drive|define|collaborate|partner with|automate|optimi[sz]e|deploy|integrate|"
        r"analy[sz]e|research|operate|mentor|launch|prototype|migrate|monitor)\b",
        "posting",
    ),
    _cue(
        "we help",
        "offering",
        r"\b(?:helps?|helping|enables?|enabling|empowers?|allows?|lets|making it (?:easy|easier|possible)|makes? it "
        r"(?:easy|easier|possible)) (?:\w+ ){0,5}?(?:to )?\w+",
        "posting",
    ),
    _cue(
        "we build",
        "offering",
        r"\b(?:we|company|startup|team)(?:'re| are)? (?:build|are building|building|develop|make|provide|offer|"
        r"create|created|built|automate|solve|power|run)s?\b",
        "posting",
    ),
    _cue(
        "is a platform",
        "offering",
        r"\b(?:is|are|become|as) (?:a|an|the) (?:[\w-]+ ){0,4}?(?:platform|tool|service|marketplace|app|software|"
        r"solution|api|company|startup|product|network|system|engine|infrastructure)s? (?:that|for|to|which|helping|"
        r"used by|where)\b",
        "posting",
    ),
    _cue(
        "our mission",
        "offering",
        r"\bour (?:mission|goal|vision|product|platform) (?:is|helps|lets|makes)\b",
        "posting",
    ),
    # Discussions: wishes, needs, searches, struggles, workarounds.
    _cue(
        "i wish",
        "need",
        r"\b(?:i|we) (?:really )?wish\b|\bi'd (?:happily )?pay for\b|\bwould (?:happily )?pay for\b|"
        r"\bit would be (?:great|nice|awesome|helpful|useful) (?:if|to)\b|\bwould love (?:a|an|to|some)\b",
    ),
    _cue(
        "i need",
        "need",
        _I + r" (?:[\w']+ ){0,2}?(?:need|want|require|would like|'d like|prefer|plan|"
        r"can't afford|cannot afford)(?: to| a| an| some| help| advice| a way)\b"
        r"|\bneed (?:a|an) (?:way|tool|service|app|solution) to\b"
        r"|\b(?:i'm|i am|we're|we are) (?:\w+ )?(?:trying|planning|thinking of|thinking about|working on|about to)\b",
    ),
    _cue(
        "is there a tool",
        "search",
        r"\b(?:is there|are there) (?:a|an|any) (?:\w+ ){0,3}?(?:tool|service|app|way|product|library|platform|"
        r"software|website|site|solution|company|resource|template|guide)s?\b"
        r"|\bdoes anyone know (?:of )?(?:a|an|any)\b",
    ),
    _cue(
        "how do i",
        "search",
        r"\bhow (?:do|can|should|would|could) (?:i|we|you|one|a startup|a founder|a small business)\b|"
        r"^\W*how (?:do|does|can|could|should|would|is|are)\b|"
        r"\bhow to \w+|\bwhat(?:'s| is| are) the best (?:way|tool|approach|practice|service|method)s?\b|"
        r"\bwhere (?:can|do|should) (?:i|we) (?:find|get|start|look)\b",
        "discussion",
    ),
    _cue(
        "looking for",
        "search",
        r"\b(?:i'm|i am|we're|we are|currently|been) (?:\w+ )?(?:looking|searching) for (?:a|an|some|any|the best)\b|"
        r"\bany (?:recommendations|suggestions|advice|tips) (?:for|on)\b|\bcan (?:anyone|someone|you) recommend\b",
        "discussion",
    ),
    _cue(
        "struggling to",
        "pain",
        r"\b(?:struggl(?:e|ing)|frustrat(?:ed|ing)|hard time|difficult(?:y)?|painful|tedious|annoying|nightmare|"
        r"headache|wast(?:e|ing) (?:of )?(?:time|hours|money)|can't figure out|cannot figure out|no idea how)\b|"
        r"\btakes? (?:us|me) (?:hours|days|weeks|forever|ages)\b|\bhard to \w+",
        # Effort and ambition, not pain: "we work hard to ...", "solving difficult problems", "hard technical
        # challenges" (a quarter of HN's pain statements before; docs/method.md, "Job statements").
        exclude=r"\b(?:work|works|worked|working|try|tries|tried|trying)(?: \w+ly| so| very| really)? hard\b"
        r"|\b(?:difficult|hard|challenging|tough)(?:,? (?:and|but|yet) [\w-]+)? (?!to\b|for\b)(?:[\w-]+ ){0,2}?"
        r"(?:problems?|challenges?|questions?|tasks?|targets?|issues?|projects?|puzzles?|engineering)\b",
    ),
    _cue(
        "we ended up",
        "workaround",
        r"\b(?:ended up|end up|resorted to|hack(?:ed|ing)? together|workaround|manually|using a spreadsheet|"
        r"in a spreadsheet|with a spreadsheet|duct.tape|cobbled together)\b",
    ),
    # A question in a top-level discussion is the asker's ("Can I register a trademark if ...?", "I wonder whether
    # ..."). Questions to someone else ("Do you sponsor visas?") and "why" questions carry no job of the asker.
    _cue(
        "question",
        "question",
        r"^(?!.*\byour?\b)(?!\W*why\b).{30,}\?\W*$"
        r"|\bi(?:'m| am)? wonder(?:ing)? (?:if|how|whether|what)\b",
        "discussion",
        top_level_only=True,
    ),
)

#: Lines no document's job lives in: e-mail addresses and bare links.
BOILERPLATE_ANY: tuple[re.Pattern[str], ...] = (
    re.compile(r"\S+@\S+\.\w+"),
    re.compile(r"^\W*(?:https?://|www\.)\S+\W*$", re.IGNORECASE),
)

#: Posting boilerplate: apply/contact, visa/salary/benefits, location, EEO, header fields. Only for postings: a
#: founder asking how to split equity or sponsor a visa states a real job.
BOILERPLATE_POSTING: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?:apply|applications?|send (?:your |us )?(?:a |an )?(?:resume|cv|email|note)|email (?:us|me)|reach out|"
        r"contact (?:us|me)|get in touch|drop (?:us|me) a)\b",
        r"\b(?:visa|sponsorship|relocation|h-?1b|salary|compensation|equity|stock options|401\s?k|benefits?|"
        r"health insurance|medical insurance|dental|vacation|pto|paid time off|parental leave|stipend|perks)\b",
        r"\b(?:remote|onsite|on-site|hybrid|full[- ]time|part[- ]time|contract(?:or)?|intern(?:ship)?s?)\b"
        r"[^a-z]*$",
        r"\b(?:equal opportunity|eoe|without regard to|regardless of (?:race|gender)|diverse (?:team|workforce)|"
        r"background check)\b",
        r"^\W*(?:tech(?:nology)? stack|stack|technologies|location|locations|role|roles|positions?|salary|"
        r"compensation|benefits|apply|contact|about us|requirements)\s*[:\-–]",
        r"\b(?:timezones?|time zones?|utc|est|pst|cet)\s*[+-]?\d",
        r"\$\s?\d{2,3}(?:,\d{3}|k)\b|\b\d{2,3}k\s*(?:-|–|to)\s*\d{2,3}k\b",  # salary ranges
    )
)

_ENGLISH = frozenset(
    "the a an and or to of in on for with is are was be we i you it that this how what my our can do does not "
    "have has at by from as".split()
)


def english_enough(text: str) -> bool:
    """Cheap language check: English prose has many of its commonest words among the first 200."""
    words = re.findall(r"[^\W\d_]+", text.lower())[:200]
    if not words:
        return False
    if len(words) < 20:  # too short for word statistics: Latin script is taken as English
        return all(w.isascii() for w in words)
    return sum(w in _ENGLISH for w in words) / len(words) >= 0.12
