"""Tests for jtbd.extract and jtbd.cues: cue families, boilerplate, offsets, language, units, job normalisation.

Statement extraction parses with the real en_core_web_sm (installed, fast): the texts here are kept few and short.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jtbd.cues import english_enough
from jtbd.extract import (
    EXTRACTORS,
    JobCache,
    StatementExtractor,
    extract_statements,
    find_candidates,
    find_cue,
    is_boilerplate,
    map_in_processes,
    resolve_detector,
    split_sentences,
)
from jtbd.normalise import is_vague
from jtbd.types import Document, Statement


def statements_of(documents: list[Document], unit: str = "statement", **options) -> list[Statement]:
    """What the extractor that `unit` names finds, without a cache; for statements, by the cue rules alone (these
    tests are the rules' and the job normalisation's; the statement model's are in test_detect.py)."""
    if options:
        return extract_statements(documents, **options).statements
    if unit == "statement":
        return StatementExtractor(None, detector="rules").extract(documents).statements
    return EXTRACTORS[unit](None).extract(documents).statements


def _doc(text: str, kind: str = "discussion", *, title: str | None = None, doc_id: str = "d1") -> Document:
    return Document(id=doc_id, source="test", kind=kind, text=text, title=title, author="ann")


def _one(text: str, kind: str = "discussion"):
    statements = statements_of([_doc(text, kind)])
    assert len(statements) == 1, statements
    return statements[0]


# Cue families


@pytest.mark.parametrize(
    ("text", "doc_kind", "kind", "job_start"),
    [
        ("I wish there was a simple way to track my expenses.", "discussion", "need", "track expenses"),
        ("It is so frustrating to reconcile bank statements every month.", "discussion", "pain", "reconcile bank"),
        ("Is there a tool to send invoices to clients automatically?", "discussion", "search", "send invoices"),
        ("We ended up using a spreadsheet to track vendor payments.", "discussion", "workaround", "track vendor"),
        (
            "Acme helps small agencies to reconcile their invoices across all of their clients.",
            "posting",
            "offering",
            "reconcile invoices",
        ),
        ("You will build the data pipeline for our billing system.", "posting", "role_work", "build data pipeline"),
    ],
)
def test_extract_each_cue_family_fires(text, doc_kind, kind, job_start):
    statement = _one(text, doc_kind)
    assert statement.kind == kind
    assert statement.text == text
    assert statement.job.startswith(job_start)
    assert statement.doc_kind == doc_kind and statement.author == "ann"


def test_extract_question_title_becomes_question():
    title = "Accounting software for a two-person company"
    doc = _doc(f"{title}\n\nWe are two people and the books take all of our weekends.", title=title)
    statements = statements_of([doc])
    assert statements[0].kind == "question"
    assert statements[0].cue == "title"
    assert (statements[0].start, statements[0].end) == (0, len(title))
    assert "accounting software" in statements[0].job


def test_extract_title_with_a_cue_takes_the_cue_kind():
    title = "How do I find beta testers for a mobile app?"
    statements = statements_of([_doc(f"{title}\n\nThanks!", title=title)])
    assert [(s.kind, s.cue) for s in statements] == [("search", "how do i")]


@pytest.mark.parametrize(
    "title, job",
    [
        ("Ask HN: Best way to learn Rust in 2019?", "learn rust"),
        ("[SMT] An app that reminds me to water plants", "remind me to water plants"),
        ("Show HN: A tool to reconcile invoices across clients", "reconcile invoices"),
    ],
)
def test_extract_a_forums_label_is_not_the_titles_verb(title, job):
    statements = statements_of([_doc(title, title=title)])
    assert statements[0].job.startswith(job)


def test_extract_cues_depend_on_the_document_kind():
    text = "We are looking for a developer to build our billing API."
    assert _one(text, "posting").kind == "role_work"  # hiring, in a job posting
    assert _one(text, "discussion").kind == "search"  # a search, in a forum
    assert find_cue("You will build the data pipeline.", "discussion") is None  # posting-only cue


def test_extract_sentence_without_cue_gives_nothing():
    assert statements_of([_doc("The weather in Lisbon was lovely and the food was great.")]) == []


# Boilerplate


POSTING_BOILERPLATE = [
    "Acme | Backend Engineer | we build billing software for agencies",  # header
    "Email jobs@acme.com and we will help you get started.",  # e-mail
    "You will build APIs and be paid $150k-$180k plus a bonus.",  # salary range
    "We help with visa sponsorship and relocation for the whole team.",  # visa
    "You will work on our platform, remote, full-time",  # remote line
    "Apply here if you will build the future of payments with us.",  # apply line
    "Acme is an equal opportunity employer that helps everyone grow.",  # EEO
    "Tech stack: we build with Python, Go, Postgres, React and Kubernetes",  # tech-stack label
    "We build Python, Go, Postgres, React, Kubernetes, Terraform, AWS",  # tech-stack list
]
OFFERING = "Acme helps small agencies to reconcile their invoices across all of their clients."


@pytest.mark.parametrize("line", POSTING_BOILERPLATE)
def test_extract_boilerplate_line_is_recognised(line):
    assert is_boilerplate(line)
    assert find_cue(line, "posting") is not None  # so only the boilerplate rule keeps it out


def test_extract_boilerplate_removed_from_posting():
    doc = _doc("\n".join(POSTING_BOILERPLATE[:5] + [OFFERING] + POSTING_BOILERPLATE[5:]), "posting")
    statements = statements_of([doc])
    assert [s.text for s in statements] == [OFFERING]
    assert not is_boilerplate(OFFERING)


@pytest.mark.parametrize(
    "text",
    [
        "How should I split equity with my cofounder?",
        "How do I set a fair salary for my first engineer?",
        "Is there a service to sponsor a visa for my first employee?",
        "What is the best way to attract customers to a new web application?",
    ],
)
def test_extract_discussion_keeps_needs_about_equity_salary_or_visas(text):
    # Posting boilerplate words (equity, salary, visa, "application") name real jobs when a founder asks about them.
    statement = _one(text, "discussion")
    assert statement.kind == "search"


# Offsets


def test_extract_offsets_point_into_the_document():
    text = (
        "Title line without a cue\n\n"
        "  I wish there was a simple way to track my expenses.   It is so frustrating to reconcile bank statements!\n"
        "\tWe ended up using a spreadsheet to track vendor payments.\n\n\n"
        "Is there a tool to send invoices to clients automatically?  "
    )
    doc = _doc(text)
    statements = statements_of([doc])
    assert [s.kind for s in statements] == ["need", "pain", "workaround", "search"]
    for s in statements:
        assert doc.text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
        assert s.doc_id == "d1"


@pytest.mark.parametrize("unit", ["sentence", "document"])
def test_extract_offsets_hold_in_every_unit(unit):
    doc = _doc("  I wish there was a simple way to track expenses.\nThe second line has no cue at all.  ")
    statements = statements_of([doc], unit=unit)
    assert statements
    for s in statements:
        assert doc.text[s.start : s.end] == s.text


def test_extract_split_sentences_breaks_at_lines():
    doc = _doc("First sentence here. Second one here\nThird line")
    spans = [doc.text[a:b] for a, b in split_sentences(doc)]
    assert spans == ["First sentence here.", "Second one here", "Third line"]


# Language and empty input


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_extract_empty_text_gives_no_statements(text):
    for unit in ("statement", "sentence", "document"):
        assert statements_of([_doc(text)], unit=unit) == []


def test_extract_non_english_text_gives_no_statements():
    german = (
        "Wie finde ich einen technischen Mitgründer für mein Startup? Ich brauche dringend Hilfe bei der "
        "Buchhaltung und den Rechnungen, weil das alles zu lange dauert."
    )
    assert not english_enough(german)
    assert statements_of([_doc(german)]) == []
    assert english_enough("How do I find a technical cofounder for my startup?")


def test_extract_no_documents():
    assert statements_of([]) == []


# Units


def test_extract_unit_sentence_keeps_every_non_boilerplate_sentence():
    doc = _doc("The weather was lovely. I wish invoicing were automatic.\nEmail me at ann@example.com please.")
    statements = statements_of([doc], unit="sentence")
    assert [s.text for s in statements] == ["The weather was lovely.", "I wish invoicing were automatic."]
    assert {s.kind for s in statements} == {"sentence"}


def test_extract_unit_document_keeps_whole_texts():
    docs = [_doc("Alpha beta gamma. Delta epsilon.", doc_id="a"), _doc("  ", doc_id="b"), _doc("Zeta eta", doc_id="c")]
    statements = statements_of(docs, unit="document")
    assert [(s.doc_id, s.text, s.kind) for s in statements] == [
        ("a", "Alpha beta gamma. Delta epsilon.", "document"),
        ("c", "Zeta eta", "document"),
    ]


def test_extract_keeps_document_order_and_metadata():
    docs = [_doc("Is there a tool to track my expenses?", doc_id="x"), _doc("I wish I could hire faster.", doc_id="y")]
    statements = statements_of(docs)
    assert [s.doc_id for s in statements] == ["x", "y"]


# Jobs


def test_extract_job_is_verb_object_context_lemmatised():
    statement = _one("Does anyone know a service that reconciles invoices across several clients?")
    assert statement.job.startswith("reconcile invoices")
    assert "across" in statement.job


def test_extract_job_keeps_hyphenated_words():
    statement = _one("How do I find a technical co-founder for my startup?")
    assert "co-founder" in statement.job
    assert statement.job.endswith("startup")


@pytest.mark.parametrize(
    ("text", "job"),
    [
        ("What are the pros/cons of organic growth?", "cons of organic growth"),  # was "what are cons of ..."
        (
            "Is there a consensus on the best type of corporation for a startup?",
            "consensus on best type of corporation for startup",
        ),
        (
            "What would be a fair equity distribution between me and my co-founder?",
            "fair equity distribution between me and co founder",
        ),
    ],
)
def test_extract_job_without_a_verb_drops_the_question_frame(text, job):
    # Without a job verb the question's words are kept, but not "what are" or "is there": they made every such
    # question read alike ("is good use of time", "be fair equity distribution ...").
    assert _one(text).job == job


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("You will develop   visualizations for   our clients.", "posting"),  # the verb's path
        ("Any recommendations for a   CRM   for   small teams?", "discussion"),  # no verb: the span's words
    ],
)
def test_extract_job_has_no_runs_of_spaces(text, kind):
    # Pasted postings carry runs of spaces; spaCy makes them tokens, and "lead   software engineer" headed a report.
    job = _one(text, kind).job
    assert job and job == " ".join(job.split()), job


@pytest.mark.parametrize(
    ("text", "job"),
    [
        ("You will build an app in 7 days and it will be used by thousands.", "build app in 7 days"),
        ("In this role you will set OKRs periodically and you are left in peace.", "set okrs periodically"),
        # "IT" is information technology, not a subject: the job goes on.
        (
            "We build web based communication tools and IT services to UK based businesses.",
            "build web based communication tools and it services",
        ),
    ],
)
def test_extract_job_ends_where_a_clause_with_its_own_subject_begins(text, job):
    assert _one(text, "posting").job == job


@pytest.mark.parametrize(
    ("text", "job"),
    [
        ("We build systems at scale as we grow.", "build systems at scale"),  # was "... at scale as"
        ("You will lead the design of how teams collaborate.", "lead design"),  # was "lead design of how"
        ("You will build dashboards at https://example.com/jobs/123 for clients.", "build dashboards"),
        # A name that looks like a domain is not a link.
        (
            "You will build node.js services for booking.com partners.",
            "build node.js services for booking.com partners",
        ),
    ],
)
def test_extract_job_ends_before_a_dangling_word_or_a_link(text, job):
    assert _one(text, "posting").job == job


#: How a posting's sentence becomes its job, each case with what the previous rules gave.
POSTING_JOBS = [
    # Cut at MAX_JOB_TOKENS words inside a phrase, the unfinished phrase goes. Was "... powered by advanced".
    pytest.param(
        "We are building a new kind of search engine powered by advanced AI for lawyers.",
        "build new kind of search engine",
        id="cut-inside-a-phrase",
    ),
    # Was "... at state and national": "national" qualifies a word that was cut off.
    pytest.param(
        "We help you organize and advocate for solar at state and national level.",
        "organize and advocate for solar",
        id="cut-inside-a-coordination",
    ),
    # Was "... trades per": "per" lost its object.
    pytest.param(
        "We help traders match orders at hundreds of thousands of trades per second.",
        "match orders at hundreds of thousands of trades",
        id="cut-after-a-preposition",
    ),
    # Stopped before a new clause's subject, which "to make" needed. Was "... based on rust to make".
    pytest.param(
        "We build backend systems based on Rust to make payments simple.",
        "build backend systems based on rust",
        id="stopped-before-a-clause-its-verb-needed",
    ),
    # The last phrase is whole (what follows only adds to it): nothing goes.
    pytest.param(
        "You will develop highly scalable server-side features for online game console and PC.",
        "develop highly scalable server-side features for online game console",
        id="cut-after-a-whole-phrase",
    ),
    # So it is before a relative clause that has no pronoun ("our" belongs to that clause).
    pytest.param(
        "We help machine shops gain access to the new digital tools our team is developing.",
        "gain access to new digital tools",
        id="stopped-before-a-relative-clause",
    ),
    # Was "back startup building software for freight forwarders": "venture-backed" is no job.
    pytest.param(
        "We are a venture-backed startup building software for freight forwarders.",
        "software for freight forwarders",
        id="fact-as-adjective",
    ),
    # The fact before the cue never was the job.
    pytest.param(
        "Founded in 2004, RedTeam helps companies find security holes.", "find security holes", id="fact-first"
    ),
    # Was "... in c++." (the full stop glued to the "+") and "write code in c" (the "#" read as punctuation).
    pytest.param(
        "We build out scalable infrastructure for a database in C++.",
        "build out scalable infrastructure for database in c++",
        id="c++-then-full-stop",
    ),
    pytest.param(
        "We help you write code in C# and F# for our clients.", "write code in c# and f# for clients", id="c#-and-f#"
    ),
    # Was "turn procedures and expert information into small": the comma is inside the phrase.
    pytest.param(
        "ProcedureFlow lets you turn your procedures and expert information into small, hyperlinked flowcharts.",
        "turn procedures and expert information into small hyperlinked flowcharts",
        id="comma-inside-a-phrase",
    ),
    pytest.param(
        "You write clean, compatible, and powerful code with speed.",
        "write clean compatible and powerful code with speed",
        id="comma-between-adjectives",
    ),
    # Was "build great chat feature with bells": "&" joins, it does not end the job.
    pytest.param(
        "TalkJS lets devs build a great chat feature with all bells & whistles.",
        "build great chat feature with bells & whistles",
        id="ampersand",
    ),
    # A list of things still ends the job at its first comma.
    pytest.param("You will build apps, websites and tools for our clients.", "build apps", id="comma-in-a-list"),
    # A bullet's verb that the tagger reads as a noun is still the verb. Was "algorithms for conversational ai".
    pytest.param(
        "- Design algorithms for conversational AI", "design algorithms for conversational ai", id="bullet-verb-as-noun"
    ),
    # Was "individual project priorities": "-Manage" is one token.
    pytest.param(
        "-Manage individual project priorities, deadlines and deliverables.",
        "manage individual project priorities",
        id="bullet-glued-to-its-verb",
    ),
    pytest.param("Lead the design of our API.", "lead design of api", id="bullet-lead-as-verb"),
    pytest.param("* Mentor junior engineers", "mentor junior engineers", id="bullet-then-lowercase-role"),
    # Without a job verb the question frame goes ("what are", "is there"), but not the "be" of "to be".
    pytest.param(
        "Our products enable our customers to be safe with a cloud based platform.",
        "be safe with cloud platform",
        id="infinitive-be-stays",
    ),
    # "Founding", "leading" as adjectives make a claim. Was "found team to define overarching growth strategy".
    pytest.param(
        "Work closely with the founding team to define the overarching growth strategy.",
        "define overarching growth strategy",
        id="claim-participle-as-adjective",
    ),
    # Was "lead data discovery".
    pytest.param(
        "Polysentry is a technology company that provides industry leading data discovery and protection.",
        "provides industry data discovery and protection",
        id="claim-participle-without-a-verb",
    ),
]


@pytest.mark.parametrize(("text", "job"), POSTING_JOBS)
def test_extract_posting_job(text, job):
    assert _one(text, "posting").job == job


@pytest.mark.parametrize(
    "text", ["Our product is trusted by thousands of teams, such as Asana and Vevo.", "We are headquartered in Berlin."]
)
def test_extract_a_fact_about_the_company_states_no_job(text):
    # The first was "trust by thousands of teams".
    assert statements_of([_doc(text, "posting")]) == []


@pytest.mark.parametrize(
    "text",
    [
        "- Lead DevOps Engineer: https://example.com/jobs/1",
        "Research Engineers/Scientists:",
        "* Lead Vue developer (1+ year of experience)",
        "Lead Javascript: https://example.com/jobs/2",
    ],
)
def test_extract_a_job_title_after_a_bullet_verb_is_no_job(text):
    # Lines of a list of openings: they were "devops engineer", "engineers scientists" ..., and on whole HN about
    # 800 such lines made "software engineer" the 9th job of 153.
    assert statements_of([_doc(text, "posting")]) == []


def test_extract_job_without_a_verb_drops_links_and_a_trailing_bar():
    assert _one("Any recommendations for a CRM for small teams | https://example.com/crm").job == "crm for small teams"


def test_extract_job_that_is_only_a_link_is_dropped():
    doc = _doc("You will build at https://example.com and also see our engineering blog.", "posting")
    assert statements_of([doc]) == []


def test_extract_job_that_is_only_a_verb_before_a_new_clause_is_dropped():
    # It was "build it and we looking for likeminded individuals", a cluster's title on whole HN.
    doc = _doc("You will build it and we are looking for likeminded individuals.", "posting")
    assert statements_of([doc]) == []


def test_extract_vague_jobs_are_dropped():
    assert is_vague("handle this")
    assert is_vague("find")
    assert not is_vague("find technical cofounder")
    assert statements_of([_doc("How do I handle this?")]) == []


@pytest.mark.parametrize(
    "text",
    [
        "We're working hard to continue this trend this year.",
        "Over the past year, we've worked really hard to build an exceptional team.",
        "You'll be solving difficult problems hand-in-hand with our stellar team.",
        "Our data platform develops creative and scalable solutions to difficult technical problems.",
    ],
)
def test_extract_effort_and_ambition_in_a_posting_are_no_pain(text):
    # On HN's postings and replies these were 249 of the 922 statements read as pain ("build exceptional team"),
    # and pain is a part of the opportunity score.
    assert statements_of([_doc(text, "posting")]) == []


@pytest.mark.parametrize(
    ("text", "job"),
    [
        ("Millions of immigrants have difficulty accessing credit cards and loans.", "access credit cards and loans"),
        ("It is difficult to solve these problems without a lawyer.", "solve problems without lawyer"),
        ("We work hard, but it is tedious to file taxes in three states.", "file taxes in three states"),
        ("Roadster is modernizing the painful process of buying a used car.", "buy used car"),
    ],
)
def test_extract_real_pain_beside_effort_words_is_kept(text, job):
    statement = _one(text, "posting")
    assert (statement.kind, statement.job) == ("pain", job)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("You just need to be okay with struggling to do things that seem impossibly hard.", "posting"),
        ("I know this may sound a little strange, but Karat is a startup that does interviews for others.", "posting"),
        ("This second option seems ideal, but is it possible?", "discussion"),
    ],
)
def test_extract_an_impression_is_no_job(text, kind):
    # They were "seem impossibly hard", "sound little strange", "seem ideal": how something strikes the speaker.
    assert statements_of([_doc(text, kind)]) == []


@pytest.mark.parametrize(
    ("text", "jobs"),
    [
        (
            "We help hospitals and digital health companies use analytics, consent, and personalization tools "
            "without compromising on privacy.",
            [],
        ),
        ("At Omnigres, we enable developers to laser-focus on business needs instead of fighting technical debt.", []),
        ("- you love the idea of directly helping people, rather than mining them for data.", []),
        (
            "Accrue helps buyers purchase products without taking on debt and helps merchants expand their customer "
            "base.",
            ["purchase products without taking on debt"],
        ),
    ],
)
def test_extract_what_a_posting_avoids_is_not_its_job(text, jobs):
    # They were "compromise on privacy" (on whole HN, "compromise on privacy and security" titled a cluster of
    # security products), "fight technical debt", "mine them for data" and "take on debt".
    assert [s.job for s in statements_of([_doc(text, "posting")])] == jobs


def test_extract_a_job_keeps_what_it_is_done_without():
    assert _one("How can I raise money without giving up equity?").job == "raise money without giving up equity"


def test_extract_first_person_question_counts_only_at_top_level():
    text = "Can I register a trademark if the domain is already taken by someone else?"
    assert _one(text).kind == "question"
    reply = Document(id="r1", source="test", kind="discussion", text=text, parent_id="p1")
    assert statements_of([reply]) == []  # a question in a reply is asked of the person replied to


@pytest.mark.parametrize(
    "text",
    ["Why is it necessary for online marketing to be mobile-friendly?", "Do you sponsor visas for this role?"],
)
def test_extract_why_and_second_person_questions_are_not_statements(text):
    assert statements_of([_doc(text)]) == []


def test_extract_posting_bullet_with_a_work_verb_is_role_work():
    statement = _one("- Build and maintain the data pipelines behind our pricing engine.", "posting")
    assert statement.kind == "role_work"
    assert statement.job.startswith("build")


def test_extract_hiring_someone_to_join_is_not_work():
    assert statements_of([_doc("We are looking for talented developers to join our team in Berlin.", "posting")]) == []
    statement = _one("We are looking for a senior engineer to own our billing infrastructure.", "posting")
    assert statement.kind == "role_work" and "billing infrastructure" in statement.job


def test_extract_why_title_is_not_a_statement():
    title = "Why is it necessary for online marketing to be mobile-friendly?"
    doc = _doc(f"{title}\n\nEveryone says so.", title=title)
    assert [s for s in statements_of([doc]) if s.start == 0] == []


def test_extract_yes_no_question_in_a_top_level_discussion_is_a_question():
    statement = _one("Is it normal to have to pay an investor fee just to meet with a potential investor?")
    assert statement.kind == "question"
    assert "pay" in statement.job


@pytest.mark.parametrize(
    "text",
    [
        "We would love to hear from you if you are interested.",
        "You will solve challenging problems with a great team.",
        "You will join our small team in Berlin.",
    ],
)
def test_extract_recruiting_talk_in_postings_is_not_a_job(text):
    assert statements_of([_doc(text, "posting")]) == []


def test_extract_hiring_is_a_founders_job_in_a_discussion():
    statement = _one("How do I hire a good lawyer for my startup?")
    assert statement.job.startswith("hire")


def test_extract_job_drops_possessives_whole():
    statement = _one("You will build the next generation of Zulip's mobile apps.", "posting")
    assert "'s" not in statement.job and "mobile apps" in statement.job


# The parse cache


def _docs() -> list[Document]:
    texts = [
        "How do I send invoices to clients automatically? We tried spreadsheets.",
        "I wish there was a tool to reconcile bank statements across accounts.",
        "Is there a tool to schedule posts for several social networks?",
    ]
    return [
        Document(id=f"d{i}", source="t", kind="discussion", text=text, author=f"a{i}") for i, text in enumerate(texts)
    ]


def test_extract_second_run_parses_nothing_and_gives_the_same_statements(tmp_path, monkeypatch):
    cache = JobCache(tmp_path / "cache.duckdb")
    first = extract_statements(_docs(), job_cache=cache)
    assert first.n_parsed == first.n_candidates >= 3 and first.statements

    def no_parser():
        raise AssertionError("parsed again")

    monkeypatch.setattr("jtbd.extract.load_parser", no_parser)
    second = extract_statements(_docs(), job_cache=cache)
    assert second.n_parsed == 0 and second.statements == first.statements
    extractor = StatementExtractor(tmp_path / "cache.duckdb")  # the stage object reads the same cache
    assert extractor.extract(_docs()).statements == first.statements


def test_extract_cache_misses_when_the_extraction_code_changes(tmp_path, monkeypatch):
    cache = JobCache(tmp_path / "cache.duckdb")
    first = extract_statements(_docs(), job_cache=cache)
    monkeypatch.setattr("jtbd.extract._parse_version", lambda: "another version of extract.py")
    again = extract_statements(_docs(), job_cache=cache)
    assert again.n_parsed == first.n_candidates and again.statements == first.statements


def test_extract_second_run_finds_candidates_without_the_cue_rules(tmp_path, monkeypatch):
    cache = JobCache(tmp_path / "cache.duckdb")
    docs = [*_docs(), Document(id="none", source="t", kind="discussion", text="Nothing to see in this sentence.")]
    first = extract_statements(docs, job_cache=cache)

    def no_rules(doc):
        raise AssertionError(f"cue rules ran again on {doc.id}")

    monkeypatch.setattr("jtbd.extract.find_candidates", no_rules)
    second = extract_statements(docs, job_cache=cache)  # the document without candidates is remembered too
    assert second.n_candidates == first.n_candidates and second.statements == first.statements


def test_extract_candidate_cache_misses_when_the_rules_or_the_document_kind_change(tmp_path, monkeypatch):
    cache = JobCache(tmp_path / "cache.duckdb")
    question = _docs()[0]
    assert extract_statements([question], job_cache=cache).n_candidates >= 1
    # "How do I ..." is a search in a discussion and no cue in a posting: same text, other kind, other candidates.
    posting = Document(id="p", source="t", kind="posting", text=question.text)
    cached, uncached = extract_statements([posting], job_cache=cache), extract_statements([posting])
    assert cached.n_candidates == uncached.n_candidates == 0
    calls = []
    monkeypatch.setattr("jtbd.extract._find_version", lambda: "other cue rules")
    monkeypatch.setattr("jtbd.extract.find_candidates", lambda doc: calls.append(doc.id) or find_candidates(doc))
    extract_statements([question], job_cache=cache)
    assert calls == [question.id]


def test_extract_cache_keeps_each_documents_own_metadata(tmp_path):
    cache = JobCache(tmp_path / "cache.duckdb")
    extract_statements(_docs(), job_cache=cache)
    # The same sentence in another document, by another author: a cache hit, with that document's id and author.
    other = [Document(id="x", source="t", kind="discussion", text=_docs()[1].text, author="zed")]
    result = extract_statements(other, job_cache=cache)
    assert result.n_parsed == 0
    assert [(s.doc_id, s.author) for s in result.statements] == [("x", "zed")]


def test_extract_parallel_parsing_gives_the_same_statements(monkeypatch):
    docs = _docs() * 3
    serial = statements_of(docs)
    monkeypatch.setattr("jtbd.extract.PARALLEL_FROM", 1)
    monkeypatch.setattr("jtbd.extract.os.cpu_count", lambda: 2)
    assert statements_of(docs) == serial


def test_extract_parallel_candidate_finding_gives_the_same_statements(monkeypatch):
    docs = _docs() * 3
    serial = statements_of(docs, job_cache=None, detector=resolve_detector("learned"))
    monkeypatch.setattr("jtbd.extract.PARALLEL_FROM", 1)
    monkeypatch.setattr("jtbd.extract.FIND_BATCH", 2)
    monkeypatch.setattr("jtbd.extract.os.cpu_count", lambda: 2)
    assert statements_of(docs, job_cache=None, detector=resolve_detector("learned")) == serial


def test_map_in_processes_keeps_order_and_runs_elsewhere():
    def make():
        def square(batch):
            return [(n * n, os.getpid()) for n in batch]

        return square

    out = map_in_processes(make, list(range(10)), 3, 2)
    assert [n for n, _ in out] == [n * n for n in range(10)]
    assert os.getpid() not in {pid for _, pid in out}
    assert {pid for _, pid in map_in_processes(make, list(range(10)), 3, 1)} == {os.getpid()}


def test_extract_parses_each_distinct_sentence_once():
    # A company's posting repeated month after month: its sentences are looked at and parsed once, and every copy
    # gets its statements with its own id.
    docs = _docs()
    again = [Document(id=f"{d.id}-again", source=d.source, kind=d.kind, text=d.text, author="bo") for d in docs]
    once = extract_statements(docs)
    both = extract_statements(docs + again)
    assert both.n_parsed == once.n_parsed == once.n_candidates and both.n_candidates == 2 * once.n_candidates
    jobs = [s.job for s in once.statements]
    assert [s.job for s in both.statements] == jobs + jobs
    assert {s.doc_id for s in both.statements[len(jobs) :]} == {d.id for d in again}


def test_extract_hard_wrapped_prose_is_joined_into_sentences():
    # Proposals and mailing lists wrap at ~72 columns: a line that ends mid-sentence goes on in the next.
    text = (
        "The initial inactive members will consist of everyone else who has been a\n"
        "member of the core team. We need a way to reconcile invoices across all of\n"
        "our clients without copying them by hand.\n"
        "- Build and maintain our public API for partners\n"
        "- design the ingestion pipeline for the data team\n"
        "https://example.com/a/very/long/link/that/is/not/prose/at/all/here\n"
        "https://example.com/another/link"
    )
    doc = _doc(text)
    sentences = [text[s:e] for s, e in split_sentences(doc)]
    assert sentences[:2] == [
        "The initial inactive members will consist of everyone else who has been a\nmember of the core team.",
        "We need a way to reconcile invoices across all of\nour clients without copying them by hand.",
    ]
    assert sentences[2:4] == [
        "- Build and maintain our public API for partners",
        "- design the ingestion pipeline for the data team",
    ]
    assert len(sentences) == 6  # links stay lines of their own
    # A document of long lines (an HN posting's paragraphs) is not hard-wrapped: its lines stay apart.
    line = "We build tools for clinics that schedule patients, track referrals and bill insurers across many offices"
    assert len(list(split_sentences(_doc(f"{line} in the US\n{line}\nand more")))) == 3


CHILD_SCRIPT = """
import multiprocessing as mp, sys, time
from jtbd.extract import end_parser_processes_with_jtbd
end_parser_processes_with_jtbd()  # what extraction does before spaCy forks its parser processes
child = mp.get_context("fork").Process(target=time.sleep, args=(120,))
child.start()
print(child.pid, flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_extract_parser_processes_end_when_a_run_is_killed(tmp_path):
    # kill -9 on a run used to leave spaCy's two parser processes alive, blocked on a pipe, ~350 MB each.
    import signal
    import subprocess
    import sys
    import time

    run = subprocess.Popen([sys.executable, "-c", CHILD_SCRIPT], stdout=subprocess.PIPE, text=True)
    child = int(run.stdout.readline())
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    state = ""
    for _ in range(50):  # ended: gone, or a zombie left for PID 1 to reap
        status = Path(f"/proc/{child}/status")
        state = (
            next((line for line in status.read_text().splitlines() if line.startswith("State:")), "")
            if (status.exists())
            else "gone"
        )
        if state == "gone" or "Z" in state:
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
    assert state == "gone" or "Z" in state, state


def test_extract_in_small_blocks_is_the_same_as_at_once(tmp_path, monkeypatch):
    at_once = extract_statements(_docs(), job_cache=JobCache(tmp_path / "a.duckdb"))
    monkeypatch.setattr("jtbd.extract.SAVE_EVERY", 1)  # every document and every sentence saved on its own
    in_blocks = extract_statements(_docs(), job_cache=JobCache(tmp_path / "b.duckdb"))
    assert in_blocks.statements == at_once.statements and in_blocks.n_parsed == at_once.n_parsed
    assert in_blocks.statements == extract_statements(_docs()).statements  # and the same without a cache


def test_extract_a_run_killed_while_parsing_resumes_from_the_blocks_it_saved(tmp_path, monkeypatch):
    from jtbd import extract

    whole = extract_statements(_docs())
    monkeypatch.setattr(extract, "SAVE_EVERY", 2)
    real, calls = extract.normalise_job, [0]

    def dies_on_the_third(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 3:
            raise KeyboardInterrupt  # the run is killed in its third sentence
        return real(*args, **kwargs)

    cache = JobCache(tmp_path / "cache.duckdb")
    monkeypatch.setattr(extract, "normalise_job", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        extract_statements(_docs(), job_cache=cache)
    monkeypatch.setattr(extract, "normalise_job", real)
    resumed = extract_statements(_docs(), job_cache=cache)
    assert resumed.n_parsed == resumed.n_candidates - 2  # the first block of two was kept
    assert resumed.statements == whole.statements
