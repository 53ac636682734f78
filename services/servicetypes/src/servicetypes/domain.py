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

from aftersales_contracts import placeholders
from aftersales_contracts.servicetypes import (
    Anchor,
    MessageSet,
    ScheduleKind,
    ServiceLinkDefinition,
    StepDefinition,
    StepSchedule,
)

SYSTEM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# The texts a step renders for the customer; ``report`` names a report and ``print_tag``
# a tag, neither is a template.
TEMPLATE_FIELDS = ("email_subject", "email_body", "sms_text", "print_text")
MESSAGE_SETS = ("initial", "on_completion")


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


def check_schedule(schedule: StepSchedule, field: str) -> list[Violation]:
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
        if schedule.repeat_period is None:
            bad("repeat_period", "required when repeat_every is set")
        if kind in (ScheduleKind.MONTHLY, ScheduleKind.YEARLY):
            bad("repeat_every", f"a {kind.value} schedule repeats by itself")
        elif kind is ScheduleKind.AFTER and schedule.anchor is Anchor.STEP:
            bad("repeat_every", "a step anchored to another step repeats with that step")
    elif schedule.repeat_period is not None:
        bad("repeat_every", "required when repeat_period is set")
    if schedule.limit_repetitions is not None and schedule.limit_repetitions < 1:
        bad("limit_repetitions", "must be 1 or more")
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


def check_messages(messages: MessageSet, field: str) -> list[Violation]:
    found: list[Violation] = []
    for name in TEMPLATE_FIELDS:
        found += check_template(getattr(messages, name), f"{field}.{name}")
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
    existing_step_ids: Collection[uuid.UUID] = (),
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> list[StepDefinition]:
    """The steps of a valid definition, or ``InvalidServiceType`` with every violation."""
    found = check_system_name(system_name)
    defined, step_violations = define_steps(
        steps, existing_step_ids=existing_step_ids, new_id=new_id
    )
    found += step_violations
    found += check_links(links)
    if found:
        raise InvalidServiceType(found)
    return defined
