"""What a serving process does once before it serves."""

from __future__ import annotations

import gc

from aftersales_kit.http import freeze_what_lives_on


def test_what_start_up_built_is_kept_out_of_full_collections() -> None:
    before = gc.get_freeze_count()
    try:
        freeze_what_lives_on()
        # Everything alive now sits in the permanent generation, which no collection walks.
        assert gc.get_freeze_count() > before
        assert gc.isenabled()  # collections go on for what requests allocate
    finally:
        gc.unfreeze()
