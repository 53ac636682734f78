"""The protocol PDF with ten photos: how long field work takes to render it, and how much
memory it needs.

Generates ten phone-like photos with Pillow (JPEGs of 2 to 4 megapixels with noise, so they
compress like photos: 0.6-1.5 MB each) and renders the protocol PDF with them through
``fieldwork.documents.pdf.render_protocol`` (what ``GET /protocols/{id}/pdf`` and the
automatic protocol mail run once the bytes are read from the attachment store) N times,
printing p50/p99/max. In the same run, the machine's ceiling: Pillow decoding one photo
whole, and decoding it at reduced scale (JPEG draft) as the renderer does.

Memory: the renderer's peak in a fresh child process (``ru_maxrss`` after importing and
reading the photos, and after one render), and tracemalloc's peak of Python allocations
(Pillow's pixel buffers are not Python allocations: ``ru_maxrss`` counts them).

Usage: uv run python bench/protocol_pdf.py [--renders N] [--photos K]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from PIL import Image

from fieldwork.documents import domain, pdf

# Width x height: 2.1 to 4.0 megapixels, as phones take them at their lower settings.
SIZES = [(1920, 1080), (2048, 1536), (2304, 1296), (2304, 1728), (2000, 2000)]


def make_photo(index: int) -> bytes:
    width, height = SIZES[index % len(SIZES)]
    noise = Image.effect_noise((width, height), 40 + index)
    gradient = Image.linear_gradient("L").resize((width, height))
    other = Image.linear_gradient("L").rotate(90).resize((width, height))
    image = Image.merge("RGB", (noise, gradient, other))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def protocol(photos: int) -> domain.ProtocolDoc:
    now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    return domain.ProtocolDoc(
        protocol_id="bench",
        status="completed",
        case_number="SC-000045",
        case_name="Deck oven does not heat",
        order_number="SO-000123",
        customer_name="Bageriet AB",
        customer_number="C-1001",
        customer_order_number="PO-981",
        location="Drottninggatan 1, 111 51 Stockholm, SE",
        facility_name="Bakery, ground floor",
        serial_items=(domain.SerialLine("SN-4711", "Deck oven"),),
        visit_dates=(date(2026, 11, 30),),
        created_at=now,
        completed_at=now,
        completed_by="tina",
        fault_description="The oven does not reach its temperature; the door seal is worn.\n" * 3,
        solution_description="Replaced the heating element and the door seal; tested.\n" * 3,
        problem_reported=False,
        problem_description=None,
        items=tuple(
            domain.ItemLine(f"Spare part {i}", Decimal("1.5"), "pcs", f"SP-{i:03d}")
            for i in range(12)
        ),
        works=tuple(domain.WorkLine(f"Work step {i}", 25, "Tina Tekniker") for i in range(8)),
        technicians=("Tina Tekniker", "Tor Tekniker"),
        attachments=tuple(
            domain.AttachmentRef(
                f"p{i}",
                "photo_before" if i < photos // 2 else "photo_after",
                f"IMG_{i:04d}.jpg",
                "image/jpeg",
                f"{i:064d}",
                f"protocols/bench/p{i}",
            )
            for i in range(photos)
        ),
        show_images=True,
    )


def _maxrss_mib() -> float:
    """This process's peak resident memory (VmHWM: ru_maxrss would carry the parent's
    peak across fork and exec on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(directory: Path, photos: int) -> None:
    """One render in a fresh process: the peak memory it adds."""
    images = {f"p{i}": (directory / f"p{i}.jpg").read_bytes() for i in range(photos)}
    doc = protocol(photos)
    before = _maxrss_mib()
    tracemalloc.start()
    pdf.render_protocol(doc, images, company="Aftersales")
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "maxrss_before_mib": before,
                "maxrss_after_mib": _maxrss_mib(),
                "tracemalloc_peak_mib": traced_peak / 2**20,
            }
        )
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.photos)
        return

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    started = time.perf_counter()
    photos = [make_photo(i) for i in range(args.photos)]
    sizes = [len(p) for p in photos]
    print(
        f"{args.photos} photos generated in {time.perf_counter() - started:.1f} s:"
        f" {sum(sizes) / 2**20:.1f} MiB, {min(sizes) / 2**20:.2f}-{max(sizes) / 2**20:.2f} MiB each"
    )

    # The ceiling: Pillow decoding one 4 MP photo whole, and at reduced scale.
    biggest = photos[3]
    whole, drafted = [], []
    for _ in range(10):
        t = time.perf_counter()
        with Image.open(io.BytesIO(biggest)) as image:
            image.load()
        whole.append(time.perf_counter() - t)
        t = time.perf_counter()
        with Image.open(io.BytesIO(biggest)) as image:
            image.draft("RGB", (pdf.PHOTO_MAX_PIXELS, pdf.PHOTO_MAX_PIXELS * 3 // 4))
            image.load()
        drafted.append(time.perf_counter() - t)
    print(
        f"ceiling: decode one 4.0 MP JPEG whole {statistics.median(whole) * 1000:.1f} ms,"
        f" at reduced scale {statistics.median(drafted) * 1000:.1f} ms (median of 10);"
        f" x{args.photos} photos: {statistics.median(whole) * args.photos * 1000:.0f} ms /"
        f" {statistics.median(drafted) * args.photos * 1000:.0f} ms"
    )

    doc = protocol(args.photos)
    images = {f"p{i}": data for i, data in enumerate(photos)}
    timings = []
    size = 0
    for _ in range(args.renders):
        t = time.perf_counter()
        size = len(pdf.render_protocol(doc, images, company="Aftersales"))
        timings.append(time.perf_counter() - t)
    print(
        f"render with {args.photos} photos, {args.renders} renders:"
        f" p50 {percentile(timings, 0.5) * 1000:.0f} ms,"
        f" p99 {percentile(timings, 0.99) * 1000:.0f} ms,"
        f" max {max(timings) * 1000:.0f} ms; the PDF {size / 2**20:.2f} MiB"
        f" ({size / sum(sizes):.0%} of the photos)"
    )
    t = time.perf_counter()
    plain = pdf.render_protocol(protocol(0), {}, company="Aftersales")
    print(
        f"render without photos: {(time.perf_counter() - t) * 1000:.0f} ms,"
        f" {len(plain) / 1024:.0f} KiB"
    )

    with tempfile.TemporaryDirectory() as directory:
        for i, data in enumerate(photos):
            (Path(directory) / f"p{i}.jpg").write_bytes(data)
        out = subprocess.run(
            [sys.executable, __file__, "--child", directory, "--photos", str(args.photos)],
            check=True,
            capture_output=True,
            text=True,
        )
    memory = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"memory (fresh process): peak RSS {memory['maxrss_before_mib']:.0f} MiB with the photos"
        f" read, {memory['maxrss_after_mib']:.0f} MiB after one render"
        f" (+{memory['maxrss_after_mib'] - memory['maxrss_before_mib']:.0f} MiB);"
        f" Python allocations peak {memory['tracemalloc_peak_mib']:.1f} MiB"
    )


if __name__ == "__main__":
    main()
