"""Servicetypes' rules: what makes a service-type definition valid, free of I/O.

Every rule reports a ``Violation`` naming the offending field by its path in the request
body (``steps.0.schedule.span``), and all violations of a definition are reported at
once, so a client fixes its input in one round trip.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aftersales_contracts import placeholders, sms
from aftersales_contracts.servicetypes import (
    Anchor,
    MessageSet,
    Period,
    Price,
    ScheduleKind,
    ServiceLinkDefinition,
    ServiceTypeChanged,
    StepDefinition,
    StepSchedule,
)
from aftersales_schedule import Occurrence, add_months, local_date, occurrences

SYSTEM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# The texts a step renders for the customer; ``report`` names a report and ``print_tag``
# a tag, neither is a template.
TEMPLATE_FIELDS = ("email_subject", "email_body", "sms_text", "print_text")
MESSAGE_SETS = ("initial", "on_completion")

# Bounds that keep every date a step can produce inside the calendar (year 9999) and a
# typo ("span": 10000 years) from passing as a schedule.
MAX_SPAN = {Period.DAYS: 36_600, Period.MONTHS: 1_200, Period.YEARS: 100}
MAX_REPETITIONS = 1_000

LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
MAX_TRANSLATIONS = 50

# ISO 4217 codes in use, and the ones whose minor unit is not 2 (cents).
CURRENCIES = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYU",
        "UZS",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)
MINOR_UNITS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}
MAX_PRICE = Decimal("1000000000")


@dataclass(frozen=True)
class Violation:
    field: str
    message: str


class InvalidServiceType(ValueError):
    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.message}" for v in violations))
        self.violations = list(violations)


@dataclass(frozen=True)
class StepDraft:
    """A step as a client sends it, before the service gives it an id.

    The "after step" anchor is named either by ``anchor_step_position`` (the 0-based
    index of another step in the same list) or by ``schedule.anchor_step_id`` (the
    ``step_id`` another step of the same list carries, which is how a client keeps the
    anchors of steps it re-sends on an update).
    """

    description: str
    schedule: StepSchedule
    initial: MessageSet = dataclasses.field(default_factory=MessageSet)
    on_completion: MessageSet = dataclasses.field(default_factory=MessageSet)
    step_id: uuid.UUID | None = None
    position: int | None = None
    anchor_step_position: int | None = None
    price: Price | None = None


def check_system_name(name: str, field: str = "system_name") -> list[Violation]:
    if SYSTEM_NAME.fullmatch(name):
        return []
    return [
        Violation(
            field,
            f"{name!r} is not an identifier: lower-case letters, digits and '_', "
            "starting with a letter",
        )
    ]


# A flat list of independent checks of one schedule, each a branch: splitting it would
# scatter the rules of one form over several functions.
def check_schedule(schedule: StepSchedule, field: str) -> list[Violation]:  # noqa: C901
    """The rules of one schedule by itself; ``define_steps`` checks anchors between steps."""
    found: list[Violation] = []

    def bad(name: str, message: str) -> None:
        found.append(Violation(f"{field}.{name}", message))

    kind = schedule.kind
    if kind is ScheduleKind.AFTER:
        if schedule.span is None:
            bad("span", "required for kind 'after'")
        elif schedule.span < 0:
            bad("span", "must be 0 or more")
        elif schedule.period is not None and schedule.span > MAX_SPAN[schedule.period]:
            bad("span", f"at most {MAX_SPAN[schedule.period]} {schedule.period.value}")
        if schedule.period is None:
            bad("period", "required for kind 'after'")
    elif schedule.anchor is Anchor.STEP:
        bad("anchor", "only a schedule of kind 'after' may be anchored to another step")
    if kind is ScheduleKind.EXACT_DATE and schedule.exact_date is None:
        bad("exact_date", "required for kind 'exact_date'")
    if kind in (ScheduleKind.MONTHLY, ScheduleKind.YEARLY):
        if schedule.day is None:
            bad("day", f"required for kind {kind.value!r}")
        elif not 1 <= schedule.day <= 31:
            bad("day", "must be between 1 and 31")
    if kind is ScheduleKind.YEARLY:
        if schedule.month is None:
            bad("month", "required for kind 'yearly'")
        elif not 1 <= schedule.month <= 12:
            bad("month", "must be between 1 and 12")
        elif schedule.day is not None and 1 <= schedule.day <= 31:
            # February 29 is allowed (it falls on the 28th in common years); April 31 is not.
            longest = calendar.monthrange(2000, schedule.month)[1]
            if schedule.day > longest:
                bad("day", f"month {schedule.month} never has a day {schedule.day}")

    if schedule.repeat_every is not None:
        if schedule.repeat_every < 1:
            bad("repeat_every", "must be 1 or more")
        elif (
            schedule.repeat_period is not None
            and schedule.repeat_every > MAX_SPAN[schedule.repeat_period]
        ):
            limit = MAX_SPAN[schedule.repeat_period]
            bad("repeat_every", f"at most {limit} {schedule.repeat_period.value}")
        if schedule.repeat_period is None:
            bad("repeat_period", "required when repeat_every is set")
        # A calendar schedule repeats on its own day: every N months or years (monthly),
        # every N years (yearly); a repeat in days would leave that day.
        if kind is ScheduleKind.MONTHLY and schedule.repeat_period is Period.DAYS:
            bad("repeat_period", "a monthly schedule repeats every N months or years")
        elif kind is ScheduleKind.YEARLY and schedule.repeat_period in (
            Period.DAYS,
            Period.MONTHS,
        ):
            bad("repeat_period", "a yearly schedule repeats every N years")
    elif schedule.repeat_period is not None:
        bad("repeat_every", "required when repeat_period is set")
    if schedule.limit_repetitions is not None:
        if schedule.limit_repetitions < 1:
            bad("limit_repetitions", "must be 1 or more")
        elif schedule.limit_repetitions > MAX_REPETITIONS:
            bad("limit_repetitions", f"at most {MAX_REPETITIONS}")
    if kind is ScheduleKind.NEVER:
        for name in ("repeat_every", "limit_repetitions", "exact_date", "day", "month"):
            if getattr(schedule, name) is not None:
                bad(name, "a step that is never scheduled has no " + name)
    return found


def check_template(
    text: str | None,
    field: str,
    allowed: Mapping[str, str] = placeholders.CALLOUT_PLACEHOLDERS,
) -> list[Violation]:
    """Only allow-listed ``{{ name }}`` placeholders, and no stray braces that look like one."""
    if not text:
        return []
    found: list[Violation] = []
    unknown = [name for name in placeholders.find(text) if name not in allowed]
    if unknown:
        found.append(
            Violation(
                field,
                f"unknown placeholder(s): {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(allowed))}",
            )
        )
    rest = placeholders.PLACEHOLDER.sub("", text)
    if "{{" in rest or "}}" in rest:
        # "{{ customer name }}" would otherwise reach the customer verbatim.
        found.append(Violation(field, "malformed placeholder: write {{ name }}"))
    return found


def check_sms(text: str | None, field: str) -> list[Violation]:
    """An SMS text's fixed part must fit ``sms.MAX_SEGMENTS`` segments."""
    if not text:
        return []
    measured = sms.measure_template(text).length
    if measured.segments > sms.MAX_SEGMENTS:
        return [
            Violation(
                field,
                f"{measured.units} {measured.encoding.value} characters make "
                f"{measured.segments} SMS segments; at most {sms.MAX_SEGMENTS}",
            )
        ]
    return []


def check_messages(messages: MessageSet, field: str) -> list[Violation]:
    found: list[Violation] = []
    for name in TEMPLATE_FIELDS:
        found += check_template(getattr(messages, name), f"{field}.{name}")
    found += check_sms(messages.sms_text, f"{field}.sms_text")
    return found


@dataclass(frozen=True)
class SmsReport:
    """The length of one SMS text of a step, for whoever writes it."""

    field: str
    length: sms.SmsLength
    placeholders: list[str]


def sms_reports(steps: Sequence[StepDefinition]) -> list[SmsReport]:
    reports: list[SmsReport] = []
    for step in steps:
        for name in MESSAGE_SETS:
            text = getattr(step, name).sms_text
            if text:
                measured = sms.measure_template(text)
                reports.append(
                    SmsReport(
                        f"steps.{step.position}.{name}.sms_text",
                        measured.length,
                        measured.placeholders,
                    )
                )
    return reports


def check_price(price: Price | None, field: str) -> list[Violation]:
    """A price incl. VAT: an ISO 4217 currency, an amount of 0 or more with no more
    decimals than the currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD)."""
    if price is None:
        return []
    found: list[Violation] = []
    if price.currency not in CURRENCIES:
        found.append(
            Violation(f"{field}.currency", f"{price.currency!r} is not an ISO 4217 currency code")
        )
    amount = price.amount
    if not amount.is_finite():
        found.append(Violation(f"{field}.amount", "must be a number"))
        return found
    if amount < 0:
        found.append(Violation(f"{field}.amount", "must be 0 or more"))
    elif amount >= MAX_PRICE:
        found.append(Violation(f"{field}.amount", f"must be less than {MAX_PRICE}"))
    decimals = max(0, -int(amount.normalize().as_tuple().exponent))
    minor = MINOR_UNITS.get(price.currency, 2)
    if decimals > minor:
        found.append(
            Violation(f"{field}.amount", f"{price.currency} has {minor} decimal(s); got {decimals}")
        )
    return found


def normalize_price(price: Price) -> Price:
    """The amount with exactly the currency's decimals: 1250 EUR is 1250.00 EUR."""
    exponent = Decimal(1).scaleb(-MINOR_UNITS.get(price.currency, 2))
    return price.model_copy(update={"amount": price.amount.quantize(exponent)})


def check_translations(translations: Mapping[str, str], field: str) -> list[Violation]:
    """Locale (``sv``, ``sv-SE``) -> a non-empty text of at most 200 characters."""
    found: list[Violation] = []
    if len(translations) > MAX_TRANSLATIONS:
        found.append(Violation(field, f"at most {MAX_TRANSLATIONS} translations"))
    for locale, text in translations.items():
        if not LOCALE.fullmatch(locale):
            found.append(
                Violation(f"{field}.{locale}", f"{locale!r} is not a locale like 'sv' or 'sv-SE'")
            )
        elif not text.strip():
            found.append(Violation(f"{field}.{locale}", "must not be empty"))
        elif len(text) > 200:
            found.append(Violation(f"{field}.{locale}", "at most 200 characters"))
    return found


def define_steps(
    drafts: Sequence[StepDraft],
    *,
    existing_step_ids: Collection[uuid.UUID] = (),
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> tuple[list[StepDefinition], list[Violation]]:
    """Give each step its id and position, resolve anchors to step ids, check every rule.

    A draft keeps its ``step_id`` only when it is one of ``existing_step_ids`` (the steps
    of the type being updated); on create there are none, and the service assigns every id.
    """
    found: list[Violation] = []
    ids: list[uuid.UUID] = []
    seen: set[uuid.UUID] = set()
    for index, draft in enumerate(drafts):
        if draft.position is not None and draft.position != index:
            found.append(
                Violation(
                    f"steps.{index}.position",
                    f"a step's position is its index in steps ({index}); reorder the list instead",
                )
            )
        if draft.step_id is None:
            ids.append(new_id())
            continue
        if draft.step_id not in existing_step_ids:
            found.append(
                Violation(
                    f"steps.{index}.step_id",
                    f"no step {draft.step_id} in this service type; "
                    "leave step_id out for a new step",
                )
            )
        elif draft.step_id in seen:
            found.append(Violation(f"steps.{index}.step_id", "the same step_id appears twice"))
        seen.add(draft.step_id)
        ids.append(draft.step_id)

    anchors, anchor_fields, anchor_found = _resolve_anchors(drafts, ids)
    found += anchor_found
    found += _cycles(anchors, anchor_fields)

    steps: list[StepDefinition] = []
    for index, draft in enumerate(drafts):
        field = f"steps.{index}"
        found += check_schedule(draft.schedule, f"{field}.schedule")
        found += check_price(draft.price, f"{field}.price")
        for name in MESSAGE_SETS:
            found += check_messages(getattr(draft, name), f"{field}.{name}")
        anchor = anchors.get(index)
        steps.append(
            StepDefinition(
                step_id=ids[index],
                position=index,
                description=draft.description,
                schedule=draft.schedule.model_copy(
                    update={"anchor_step_id": ids[anchor] if anchor is not None else None}
                ),
                initial=draft.initial,
                on_completion=draft.on_completion,
                price=normalize_price(draft.price)
                if draft.price and not check_price(draft.price, field)
                else draft.price,
            )
        )
    return steps, found


def _resolve_anchors(
    drafts: Sequence[StepDraft], ids: Sequence[uuid.UUID]
) -> tuple[dict[int, int], dict[int, str], list[Violation]]:
    """The index each anchored step points at, and the field that named it."""
    found: list[Violation] = []
    anchors: dict[int, int] = {}
    fields: dict[int, str] = {}
    index_of = {step_id: index for index, step_id in reversed(list(enumerate(ids)))}
    for index, draft in enumerate(drafts):
        schedule = draft.schedule
        field = f"steps.{index}.schedule"
        by_position, by_id = draft.anchor_step_position, schedule.anchor_step_id
        if schedule.anchor is not Anchor.STEP or schedule.kind is not ScheduleKind.AFTER:
            for name, value in (("anchor_step_position", by_position), ("anchor_step_id", by_id)):
                if value is not None:
                    found.append(
                        Violation(f"{field}.{name}", "only with kind 'after' and anchor 'step'")
                    )
            continue
        if by_position is None and by_id is None:
            found.append(
                Violation(
                    f"{field}.anchor_step_position",
                    "anchor 'step' needs anchor_step_position (or anchor_step_id)",
                )
            )
            continue
        if by_position is not None and by_id is not None:
            found.append(
                Violation(
                    f"{field}.anchor_step_id",
                    "give anchor_step_position or anchor_step_id, not both",
                )
            )
            continue
        if by_position is not None:
            target, fields[index] = by_position, f"{field}.anchor_step_position"
            if not 0 <= target < len(drafts):
                found.append(
                    Violation(fields[index], f"no step at position {target} in this service type")
                )
                continue
        else:
            fields[index] = f"{field}.anchor_step_id"
            if by_id not in index_of:
                found.append(
                    Violation(
                        fields[index], f"no step {by_id} among the steps of this service type"
                    )
                )
                continue
            target = index_of[by_id]
        if target == index:
            found.append(Violation(fields[index], "a step cannot be anchored to itself"))
            continue
        anchors[index] = target
    return anchors, fields, found


def _cycles(anchors: Mapping[int, int], fields: Mapping[int, str]) -> list[Violation]:
    """Each step has at most one anchor, so following anchors either ends or loops."""
    found: list[Violation] = []
    reported: set[int] = set()
    for start in sorted(anchors):
        path: list[int] = []
        current: int | None = start
        while current is not None and current not in path:
            path.append(current)
            current = anchors.get(current)
        if current is None:
            continue
        cycle = path[path.index(current) :]
        first = min(cycle)
        if first in reported:
            continue
        reported.add(first)
        rotated = cycle[cycle.index(first) :] + cycle[: cycle.index(first)]
        chain = " -> ".join(str(i) for i in [*rotated, first])
        found.append(Violation(fields[first], f"'after step' anchors form a cycle: steps {chain}"))
    return found


def check_links(links: Sequence[ServiceLinkDefinition]) -> list[Violation]:
    found: list[Violation] = []
    seen: set[tuple[uuid.UUID, str | None]] = set()
    for index, link in enumerate(links):
        field = f"links.{index}"
        key = (link.main_product_id, link.pre_code)
        if key in seen:
            found.append(
                Violation(
                    f"{field}.main_product_id",
                    "another link has the same main product and pre-code",
                )
            )
        seen.add(key)
        if len(set(link.related_product_ids)) != len(link.related_product_ids):
            found.append(Violation(f"{field}.related_product_ids", "a product appears twice"))
        if link.main_product_id in link.related_product_ids:
            found.append(
                Violation(f"{field}.related_product_ids", "the main product is not a related one")
            )
        if not link.apply_to_main_product and not link.related_product_ids:
            found.append(
                Violation(
                    f"{field}.related_product_ids",
                    "a link that does not apply to its main product needs related products",
                )
            )
    return found


def define_service_type(
    system_name: str,
    steps: Sequence[StepDraft],
    links: Sequence[ServiceLinkDefinition],
    *,
    display_name_translations: Mapping[str, str] | None = None,
    existing_step_ids: Collection[uuid.UUID] = (),
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> list[StepDefinition]:
    """The steps of a valid definition, or ``InvalidServiceType`` with every violation."""
    found = check_system_name(system_name)
    found += check_translations(display_name_translations or {}, "display_name_translations")
    defined, step_violations = define_steps(
        steps, existing_step_ids=existing_step_ids, new_id=new_id
    )
    found += step_violations
    found += check_links(links)
    if found:
        raise InvalidServiceType(found)
    return defined


# --- preview -------------------------------------------------------------------------------

PREVIEW_YEARS = 5
MAX_PREVIEW_YEARS = 50
MAX_PREVIEW_OCCURRENCES = 1_000


def preview_window(
    startup_date: date | None,
    startup_at: datetime | None,
    time_zone: str | None,
    until: date | None,
) -> tuple[date, date]:
    """The startup date (in the org unit's zone) and the last date a preview computes."""
    found: list[Violation] = []
    zone: ZoneInfo | None = None
    if time_zone is not None:
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            found.append(Violation("time_zone", f"{time_zone!r} is not an IANA time zone name"))
    if startup_date is not None and startup_at is not None:
        found.append(Violation("startup_at", "give startup_date or startup_at, not both"))
    elif startup_at is not None:
        if time_zone is None:
            found.append(Violation("time_zone", "required with startup_at (the org unit's zone)"))
        elif zone is not None:
            startup_date = local_date(startup_at, zone)
    elif startup_date is None:
        found.append(Violation("startup_date", "required (or startup_at with time_zone)"))
    if found:
        raise InvalidServiceType(found)
    assert startup_date is not None
    start = startup_date

    def years_on(years: int) -> date:
        # Never past the calendar's last year.
        return add_months(start, 12 * min(years, date.max.year - start.year))

    latest = years_on(MAX_PREVIEW_YEARS)
    if until is None:
        until = years_on(PREVIEW_YEARS)
    elif until < startup_date:
        raise InvalidServiceType([Violation("until", "must not be before the startup date")])
    elif until > latest:
        raise InvalidServiceType(
            [Violation("until", f"at most {MAX_PREVIEW_YEARS} years after the startup date")]
        )
    return startup_date, until


def preview(
    steps: Sequence[StepDefinition], startup: date, until: date
) -> tuple[list[Occurrence], bool]:
    """The dates each step would send for an item started on ``startup``, capped."""
    found = occurrences(steps, startup, until)
    return found[:MAX_PREVIEW_OCCURRENCES], len(found) > MAX_PREVIEW_OCCURRENCES


# --- deletion ------------------------------------------------------------------------------

DELETION_EFFECT = (
    "The service type is removed. Scheduling cancels every pending callout of it (those "
    "awaiting approval or approved but not yet handed to notifications) on every serial "
    "item; callouts already sent, completed or failed stay as history."
)


def tombstone(definition: ServiceTypeChanged) -> ServiceTypeChanged:
    """The last event of a deleted type: a newer version that applies to nothing (disabled,
    no links), so every consumer withdraws it even without reading ``deleted``; the steps
    stay so that callouts already sent keep their step's description."""
    return definition.model_copy(
        update={
            "version": definition.version + 1,
            "enabled": False,
            "links": [],
            "deleted": True,
        }
    )
