"""Benchmark of ``talenta synth`` (issue #3): wall time and peak memory of a full build.

Usage: ``.venv/bin/python benchmarks/synth_bench.py --scale 0.1 [--out DIR] [--workers 2] [--keep]``.
Prints one Markdown table row for ``benchmarks/synth_results.md``. Scale 1.0 is the nation (~4.7 M ASN):
run it alone on the machine, never from the test suite.
"""

from __future__ import annotations

import argparse
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from talenta.synth import world


def main() -> None:
    """Build every registered source at ``--scale`` and report time, rows, bytes and peak RSS."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the built world")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="synth-bench-"))
    started = time.perf_counter()
    doc = world.build(world.BuildOptions(out=out, scale=args.scale, seed=args.seed, workers=args.workers))
    seconds = time.perf_counter() - started
    rows = {e: pq.ParquetFile(out / "truth" / f"{e}.parquet").metadata.num_rows for e in world.ENTITIES}
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"| {time.strftime('%Y-%m-%d')} | {args.scale} | {len(doc['sources'])} | {rows['employee']:,} | "
          f"{rows['performance']:,} | {seconds:.1f} s | parent {peak_self:.0f} MB, worker {peak_children:.0f} MB | "
          f"{size / 1e6:.0f} MB | {args.workers} workers, {platform.machine()} |")
    if not args.keep and args.out is None:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
