"""Sums the per-tree counts ``make test`` collected into one closing line."""

import json
import sys

with open(sys.argv[1]) as lines:
    runs = [json.loads(line) for line in lines]
total = {key: sum(run[key] for run in runs) for key in ("passed", "failed", "error", "skipped")}
print(
    f"all test trees: {total['passed']} passed, {total['failed'] + total['error']} failed, "
    f"{total['skipped']} skipped"
)
