"""How many messages the batched consumers, and how many requests the group commits,
took together: read off a process's ``/metrics`` (``aftersales_batch_messages``,
``aftersales_grouped_requests``). What a batch saves depends on its size, and the size on
how the work arrives, so a run's CPU per message reads best beside it.
"""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

_HISTOGRAMS = {"aftersales_batch_messages": "queue", "aftersales_grouped_requests": "group"}


def mean_sizes(url: str) -> dict[str, tuple[float, int]]:
    """Each batched queue's and request group's mean size and count, by its name."""
    text = httpx.get(f"{url}/metrics", timeout=5, trust_env=False).text
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for family in text_string_to_metric_families(text):
        label = _HISTOGRAMS.get(family.name)
        if label is None:
            continue
        for sample in family.samples:
            name = sample.labels.get(label, "")
            if sample.name.endswith("_sum"):
                sums[name] = sample.value
            elif sample.name.endswith("_count"):
                counts[name] = int(sample.value)
    return {name: (sums.get(name, 0.0) / n, n) for name, n in counts.items() if n}


def line(processes: list[tuple[str, str]]) -> str:
    """``  batches (mean size, how many): API q 12.3 of 244, ...`` for (label, url) pairs."""
    parts = []
    for label, url in processes:
        try:
            sizes = mean_sizes(url)
        except httpx.HTTPError:
            continue
        parts += [f"{label} {name} {mean:.1f} of {n}" for name, (mean, n) in sorted(sizes.items())]
    return "  batches (mean size of how many): " + (", ".join(parts) or "none")
