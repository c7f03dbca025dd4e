"""`python -m bench [queue|http|sweep|reports|load|all]`: see bench/__init__.py."""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = ("queue", "http", "sweep", "reports", "load")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("suite", choices=[*SUITES, "all"], help="what to measure")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per page (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (3)")
    parser.add_argument("--intake", type=int, default=3000, help="complaints posted (3000)")
    parser.add_argument(
        "--sweep-sizes",
        default="1000",
        help="clocks due per sweep run, e.g. 1000,10000,100000 (1000)",
    )
    parser.add_argument("--load-seconds", type=int, default=60, help="load test length (60)")
    parser.add_argument("--load-users", type=int, default=24, help="simulated people (24)")
    parser.add_argument("--week", help="reports: ISO week (default: the last complete one)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--no-docs", action="store_true", help="write results.json only, leave the docs alone"
    )
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        parser.error(
            "set DATABASE_URL to a PostgreSQL database filled by "
            "`manage.py generate_complaints` (the benchmark measures PostgreSQL, not SQLite)"
        )
    # Measured as production serves: no debug bookkeeping (queries are counted explicitly).
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from . import report

    chosen = SUITES if args.suite == "all" else (args.suite,)
    for suite in chosen:
        print(f"== {suite}")
        results = _run(suite, args)
        report.record(suite, results, args)
    return 0


def _run(suite: str, args):
    if suite == "queue":
        from . import queue

        return queue.run(args)
    if suite == "http":
        from . import http

        return http.run(args)
    if suite == "sweep":
        from . import sweep

        return sweep.run(args)
    if suite == "reports":
        from . import reports

        return reports.run(args)
    from . import load

    return load.run(args)


if __name__ == "__main__":
    sys.exit(main())
