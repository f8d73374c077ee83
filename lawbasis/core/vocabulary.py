"""The vocabulary rule files are written in: activity fields and the kinds of derived facts.

Everything a rule can test or conclude is declared here, so a rule file with a misspelt field or an
impossible value is rejected when it is loaded rather than silently never matching. Every value that
reaches durable_rules is a string from these lists (durable_rules compares loosely: ``'' == 0``,
``1 == True``), so like is always compared with like.
"""

from __future__ import annotations

from lawbasis.core.activity import (
    CHANNELS,
    CONSENTS,
    CORPORATE_EVENTS,
    CUSTOMER_STATUSES,
    DATE_KEYS,
    OBJECTIONS,
)
from lawbasis.core.calendar import CALENDAR_ANCHORS

BOOL = ("true", "false")
LETTERS = ("a", "b", "c", "d", "e", "f")
ANY = None  # any snake_case / free string

#: Fields of the single ``activity`` fact, with the values a rule may test them against.
ACTIVITY_FIELDS: dict[str, tuple[str, ...] | None] = {
    "purpose": ANY,
    "country": ANY,
    "customer_status": CUSTOMER_STATUSES,
    "channel": CHANNELS + ("null",),
    "personalised": BOOL,
    "consent": CONSENTS,
    "objection": OBJECTIONS,
    "compelling_grounds": BOOL,
    "dispute": BOOL,
    "special_category": BOOL,
    "erasure_requested": BOOL,
    "corporate_event": CORPORATE_EVENTS,
    "acquirer_similar": BOOL,
    **{f"has_{key}": BOOL for key in DATE_KEYS},
    # the facts as they stand on as_of (see docs/explanation/legal-model.md, "Events take effect on
    # their date"): a date on or before as_of has passed; a withdrawal or objection dated after as_of
    # is scheduled, and ``consent``/``objection`` then hold their value before the event
    **{f"passed_{key}": BOOL for key in DATE_KEYS},
    "scheduled_consent_withdrawal": BOOL,
    "scheduled_objection": BOOL,
}

ANCHORS = DATE_KEYS + tuple(CALENDAR_ANCHORS) + ("null",)
SEVERITIES = ("info", "warning", "violation")

#: Derived fact kinds: field -> allowed values (None: any string). Fields listed under REQUIRED
#: must be present in every conclusion of that kind.
KINDS: dict[str, dict[str, tuple[str, ...] | None]] = {
    # an internal classification, e.g. direct_marketing, electronic_marketing, bookkeeping_record
    "flag": {"name": ANY},
    # the controller needs consent for this processing (policy promise or national law)
    "consent_required": {"source": ("policy", "law")},
    # a basis that may apply (stated: the policy text states it) ...
    "candidate": {"letter": LETTERS, "stated": BOOL},
    # ... unless the facts rule it out
    "blocked": {"letter": LETTERS, "reason": ANY},
    # an Art. 6(1) basis that applies
    "basis": {"letter": LETTERS, "stated": BOOL},
    # a basis ended by an objection, an erasure request or a corporate event: it stays a basis
    # (``bases[].stopped``) but processing may not rest on it any more
    "stopped": {"letter": LETTERS, "reason": ANY},
    "lawful": {"value": ("yes", "no", "undetermined"), "reason": ANY},
    "objection": {"applies": ("21(1)", "21(2)", "null"), "continues": BOOL, "reason": ANY},
    # processing for the purpose must stop (objection upheld, erasure, corporate event ...)
    "stop": {"reason": ANY},
    "retention": {
        "period": ANY,
        "from": ANCHORS,
        "action": ("delete", "anonymise"),
        "stated": BOOL,
        "action_stated": BOOL,
    },
    # the statutory window for the record category (national bookkeeping law)
    "statutory": {"period": ANY, "from": ANCHORS},
    # a pending dispute holds the data past the window (Art. 17(3)(e))
    "hold": {"reason": ANY},
    # the window ends early on this date (Art. 17(1)(b), (c))
    "cut": {"date": DATE_KEYS, "reason": ANY},
    # produced only by the calendar between strata: the status on as_of, the end shown (null while
    # held) and the end ignoring holds
    "window": {"status": ("open", "closed", "held", "unknown", "open_ended"), "until": ANY, "window_until": ANY},
    # produced only by the calendar before the first stratum: whether a statutory retention duty
    # (period and anchor of a ``statutory`` conclusion) still runs on as_of
    "duty": {"period": ANY, "from": ANCHORS, "status": ("running", "ended", "unknown")},
    "may_process": {"value": BOOL, "reason": ANY},
    # what to do with the data today: keep it, end it as the window says, or hold it for a dispute
    "today": {"action": ("keep", "delete", "anonymise", "hold"), "reason": ANY},
    "finding": {
        "code": ANY,
        "severity": SEVERITIES,
        "message": ANY,
        "statutory_period": ANY,
        "statutory_from": ANCHORS,
        # the basis the finding is about (e.g. processing_partly_stopped); the message names it
        "letter": LETTERS,
        # the id of a rule whose policy quotes the finding also cites (bound with ``rule: $R``)
        "cites_rule": ANY,
    },
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "flag": ("name",),
    "consent_required": ("source",),
    "candidate": ("letter", "stated"),
    "blocked": ("letter", "reason"),
    "basis": ("letter", "stated"),
    "stopped": ("letter", "reason"),
    "lawful": ("value", "reason"),
    "objection": ("applies", "continues", "reason"),
    "stop": ("reason",),
    "retention": ("period", "from", "action", "stated", "action_stated"),
    "statutory": ("period", "from"),
    "hold": ("reason",),
    "cut": ("date", "reason"),
    "window": ("status", "until", "window_until"),
    "duty": ("period", "from", "status"),
    "may_process": ("value", "reason"),
    "today": ("action", "reason"),
    "finding": ("code", "severity", "message"),
}

#: Kinds the calendar produces between strata; no rule may conclude them.
CALENDAR_KINDS = ("window",)
#: Kinds the calendar asserts before the first stratum (they depend on the dates and as_of only);
#: no rule may conclude them either.
CLOCK_KINDS = ("duty",)
#: Kinds the calendar reads: all of them must be final before it runs.
CALENDAR_INPUTS = ("retention", "hold", "cut")

#: Fact kinds whose identity for stratification includes one field's value, so that negating one
#: flag does not force every other flag into a lower stratum.
KEYED_KINDS = {"flag": "name", "finding": "code"}

ARTICLES = {
    "a": ("GDPR Art. 6(1)(a)", "consent", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a"),
    "b": ("GDPR Art. 6(1)(b)", "contract", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-b"),
    "c": ("GDPR Art. 6(1)(c)", "legal_obligation", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-c"),
    "d": ("GDPR Art. 6(1)(d)", "vital_interest", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-d"),
    "e": ("GDPR Art. 6(1)(e)", "public_interest", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-e"),
    "f": ("GDPR Art. 6(1)(f)", "legitimate_interest", "https://w3id.org/dpv/legal/eu/gdpr#A6-1-f"),
}
