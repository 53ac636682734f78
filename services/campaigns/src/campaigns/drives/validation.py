"""Validation of a campaign's serial lines against the projections, set-based (decision 76):
one statement resolves every line to its serial item and customer or to its problem, a
second marks lines naming an item another line already names. A 100,000-line campaign is
checked in seconds, never row by row in Python.

What a line resolves to (``campaign_serial``): ``serial_item_id`` when exactly one item
matches (kept with a problem too, so the report can say which item is inactive or has no
customer), ``customer_id`` (the owner, or the initial-order customer when the campaign uses
the customer from the order) when that customer is in the projection, and the item's
``org_unit_id``. Lines that already have their case are not touched again.

The reasons (``domain.LineProblem``): not_found, ambiguous (the detail lists the products),
inactive (refused: an inactive or scrapped item does not come in for service, so its case
would stay open for ever; the admin removes the line or catalog reactivates the item),
no_owner / no_initial_order_customer, customer_unknown (catalog's customer has not reached
us yet: validating again later may clear it), duplicate_item.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import UUID

from aftersales_kit.uow import UnitOfWork
from campaigns.drives.domain import LineProblem, missing_customer_problem

# Lines from ``from_position`` on (0: all) without a case, resolved in one statement.
# The detail texts are written here, where the values are: the SQL builds them per row.
_RESOLVE = text(
    """
WITH line AS (
    SELECT cs.ctid AS row_id, cs.serial_number, cs.product_number
    FROM campaign_serial cs
    WHERE cs.campaign_id = :campaign_id AND cs.case_id IS NULL
      AND cs.position >= :from_position
), matched AS (
    SELECT l.row_id, l.serial_number, l.product_number,
           count(si.id) AS found,
           (array_agg(si.id))[1] AS item_id,
           string_agg(si.product_number, ', ' ORDER BY si.product_number) AS products
    FROM line l
    LEFT JOIN serial_item si
           ON si.serial_number = l.serial_number
          AND (l.product_number = '' OR si.product_number = l.product_number)
    GROUP BY l.row_id, l.serial_number, l.product_number
), resolved AS (
    SELECT m.row_id, m.serial_number, m.product_number, m.found, m.products,
           si.id AS item_id, si.status, si.org_unit_id,
           CASE WHEN :use_order THEN si.initial_order_customer_id
                ELSE si.owner_customer_id END AS wanted_customer,
           c.id AS known_customer
    FROM matched m
    LEFT JOIN serial_item si ON m.found = 1 AND si.id = m.item_id
    LEFT JOIN customer c
           ON c.id = CASE WHEN :use_order THEN si.initial_order_customer_id
                          ELSE si.owner_customer_id END
)
UPDATE campaign_serial cs SET
    serial_item_id = r.item_id,
    customer_id = r.known_customer,
    org_unit_id = r.org_unit_id,
    problem = CASE
        WHEN r.found = 0 THEN 'not_found'
        WHEN r.found > 1 THEN 'ambiguous'
        WHEN r.status <> 'active' THEN 'inactive'
        WHEN r.wanted_customer IS NULL THEN :missing_customer
        WHEN r.known_customer IS NULL THEN 'customer_unknown'
    END,
    problem_detail = left(CASE
        WHEN r.found = 0 THEN 'no serial item ' || r.serial_number
            || CASE WHEN r.product_number <> '' THEN ' on product ' || r.product_number
                    ELSE '' END
        WHEN r.found > 1 THEN 'the serial number is on products ' || r.products
            || '; give the product number'
        WHEN r.status <> 'active' THEN 'the serial item is ' || r.status
        WHEN r.wanted_customer IS NULL THEN :missing_detail
        WHEN r.known_customer IS NULL THEN 'customer ' || r.wanted_customer::text
            || ' has not reached campaigns from catalog yet; validate again later'
    END, 300)
FROM resolved r
WHERE cs.ctid = r.row_id
"""
).bindparams(bindparam("campaign_id", type_=UUID(as_uuid=True)))

# Rows are matched by ``ctid`` (stable within a statement): lines inserted by this very
# transaction have no statistics yet, and a join on the key then went to a nested loop of
# sequential scans (30 s for 4,000 new lines).

# One case per campaign and item: of the lines naming one item, the one with its case (or
# else the first entered) keeps it; the others are duplicates. Only changes are written.
_DUPLICATES = text(
    """
WITH ranked AS (
    SELECT ctid AS row_id,
           row_number() OVER w AS n,
           first_value(serial_number || CASE WHEN product_number <> ''
                       THEN ' (product ' || product_number || ')' ELSE '' END) OVER w AS first
    FROM campaign_serial
    WHERE campaign_id = :campaign_id AND serial_item_id IS NOT NULL
      AND (problem IS NULL OR problem = 'duplicate_item')
    WINDOW w AS (PARTITION BY serial_item_id ORDER BY case_id IS NULL, position)
)
UPDATE campaign_serial cs SET
    problem = CASE WHEN r.n > 1 THEN 'duplicate_item' END,
    problem_detail = CASE WHEN r.n > 1
        THEN left('the same serial item as line ' || r.first, 300) END
FROM ranked r
WHERE cs.ctid = r.row_id AND cs.case_id IS NULL
  AND (r.n > 1) <> (cs.problem IS NOT DISTINCT FROM 'duplicate_item')
"""
).bindparams(bindparam("campaign_id", type_=UUID(as_uuid=True)))

_MISSING_DETAIL = {
    LineProblem.NO_OWNER: "the serial item has no owner",
    LineProblem.NO_INITIAL_ORDER_CUSTOMER: "the serial item has no initial-order customer",
}

_REPORT = text(
    """
SELECT count(*) AS lines,
       count(*) FILTER (WHERE problem IS NOT NULL) AS failing
FROM campaign_serial
WHERE campaign_id = :campaign_id AND position >= :from_position
"""
).bindparams(bindparam("campaign_id", type_=UUID(as_uuid=True)))

_PROBLEMS = text(
    """
SELECT problem, count(*) AS n
FROM campaign_serial
WHERE campaign_id = :campaign_id AND problem IS NOT NULL AND position >= :from_position
GROUP BY problem
"""
).bindparams(bindparam("campaign_id", type_=UUID(as_uuid=True)))


@dataclass(frozen=True)
class Report:
    """What validation found over the lines it looked at."""

    lines: int
    failing: int
    problems: dict[str, int] = field(default_factory=dict)


async def validate_lines(
    uow: UnitOfWork,
    campaign_id: uuid.UUID,
    *,
    use_customer_from_order: bool,
    from_position: int = 0,
) -> Report:
    """Resolve the campaign's lines without a case from ``from_position`` on (0: all),
    mark duplicates over the whole campaign; the counts of the lines looked at."""
    missing = missing_customer_problem(use_customer_from_order)
    session = uow.session
    await session.execute(
        _RESOLVE,
        {
            "campaign_id": campaign_id,
            "from_position": from_position,
            "use_order": use_customer_from_order,
            "missing_customer": missing.value,
            "missing_detail": _MISSING_DETAIL[missing],
        },
    )
    await session.execute(_DUPLICATES, {"campaign_id": campaign_id})
    return await report(uow, campaign_id, from_position=from_position)


async def report(uow: UnitOfWork, campaign_id: uuid.UUID, *, from_position: int = 0) -> Report:
    params = {"campaign_id": campaign_id, "from_position": from_position}
    counts = (await uow.session.execute(_REPORT, params)).one()
    problems = {row.problem: row.n for row in await uow.session.execute(_PROBLEMS, params)}
    return Report(lines=counts.lines, failing=counts.failing, problems=problems)
