"""The sent log's rules, free of I/O: its order and "did the object change after this
was sent".

Notifications never calls a requester back to learn of changes. It knows an object's
version from two sources: the version each send request carries
(``business_object.version``), and the ``current_version`` the caller passes when it
reads the log (the caller is the owner of the object, or shows it, so it knows the
version). The newest of all these is the object's latest known version; an entry sent
for an older version is flagged ``object_changed``. So a later send request with a
higher version flags the earlier entries at once, and a change with no new message is
flagged as soon as the log is read with the object's current version. The flag is
computed when the log is read, never stored: nothing to keep in step, nothing to migrate
when a requester's versions arrive late or out of order.
"""

from __future__ import annotations

from aftersales_kit.pagination import Sort

# Newest first by request time, the message id breaking ties (index ix_message_sent_log).
ORDER = Sort("created_at", descending=True)


def latest_version(*versions: int | None) -> int | None:
    """The newest version known of an object, from whatever sources know one."""
    known = [v for v in versions if v is not None]
    return max(known) if known else None


def object_changed(sent_for: int | None, latest: int | None) -> bool | None:
    """Whether the object changed after an entry was sent: its version then is older than
    the latest known. ``None`` when the entry carries no version (nothing to compare)."""
    if sent_for is None:
        return None
    return latest is not None and sent_for < latest
