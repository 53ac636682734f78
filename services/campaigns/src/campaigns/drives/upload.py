"""Writing serial lines: from a JSON list, or from a CSV body streamed in pieces (never the
whole file in memory), in batches of one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT
DO NOTHING`` each. A serial number (with the same product number) already in the campaign,
or twice in the file, is counted as a duplicate, not refused.

All of it runs in the request's transaction: a file refused halfway (too big, too many
lines, a line that cannot be read) leaves nothing behind.
"""

from __future__ import annotations

import codecs
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from sqlalchemy import text

from aftersales_kit.uow import UnitOfWork
from campaigns.drives.domain import SerialCsvParser, SerialLine

BATCH_LINES = 1000

_INSERT = text(
    """
WITH added AS (
    INSERT INTO campaign_serial (campaign_id, serial_number, product_number, position, added_at)
    SELECT CAST(:campaign_id AS uuid), t.serial_number, t.product_number,
           :start + t.n - 1, CAST(:now AS timestamptz)
    FROM unnest(CAST(:serials AS text[]), CAST(:products AS text[]))
         WITH ORDINALITY AS t(serial_number, product_number, n)
    ON CONFLICT ON CONSTRAINT pk_campaign_serial DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM added
"""
)


class TooManyLines(ValueError):
    pass


class TooLarge(ValueError):
    pass


class NotUtf8(ValueError):
    pass


class LineWriter:
    """Adds lines to one campaign, numbering them on from ``start_position``, refusing to
    go beyond ``max_lines`` lines in the campaign (``existing`` already there)."""

    def __init__(
        self,
        uow: UnitOfWork,
        campaign_id: uuid.UUID,
        *,
        existing: int,
        max_lines: int,
        start_position: int,
        now: datetime,
    ) -> None:
        self.uow = uow
        self.campaign_id = campaign_id
        self.max_lines = max_lines
        self.start_position = start_position
        self.now = now
        self._next = start_position
        self._lines = existing
        self.added = 0
        self.duplicates = 0

    async def add(self, lines: Sequence[SerialLine]) -> None:
        if not lines:
            return
        added: int = (
            await self.uow.session.execute(
                _INSERT,
                {
                    "campaign_id": self.campaign_id,
                    "start": self._next,
                    "now": self.now,
                    "serials": [line.serial_number for line in lines],
                    "products": [line.product_number for line in lines],
                },
            )
        ).scalar_one()
        self._next += len(lines)
        self.added += added
        self.duplicates += len(lines) - added
        self._lines += added
        if self._lines > self.max_lines:
            raise TooManyLines(
                f"a campaign has at most {self.max_lines} serial numbers; this would make"
                f" it {self._lines} or more"
            )


async def write_csv(body: AsyncIterator[bytes], writer: LineWriter, *, max_bytes: int) -> None:
    """Read a CSV body piece by piece into ``writer``; ``TooLarge`` past ``max_bytes``,
    ``NotUtf8``, ``domain.LineError`` for a line that cannot be read."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    parser = SerialCsvParser()
    batch: list[SerialLine] = []
    size = 0
    async for piece in body:
        size += len(piece)
        if size > max_bytes:
            raise TooLarge(f"the file is larger than the limit of {max_bytes} bytes")
        try:
            chunk = decoder.decode(piece)
        except UnicodeDecodeError as error:
            at = size - len(piece) + error.start
            raise NotUtf8(f"the file is not UTF-8 text (byte {at})") from error
        for line in parser.feed(chunk):
            batch.append(line)
            if len(batch) >= BATCH_LINES:
                await writer.add(batch)
                batch = []
    try:
        rest = decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise NotUtf8("the file ends inside a UTF-8 character") from error
    batch.extend(parser.feed(rest))
    batch.extend(parser.finish())
    await writer.add(batch)
