"""`python -m bench.search [word ...]`: the desk's search for frequent words, timed and explained.

Each word is searched on the queue of all tickets and on the agent's own open tickets
(`/desk/?queue=all&q=…`, `/desk/?queue=mine&q=…`) in process, as `bench queue` measures pages
(`bench.queue.measure`), and the plan of the page's ticket query is printed, so a change of
plan shape (index lookup or walk in queue order) is visible beside its time. Prints a
Markdown table for docs/benchmarks.md; writes nothing.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("refund", "package", "damaged", "delivery", "退款", "包装破损")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("words", nargs="*", default=list(WORDS))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--plans", action="store_true", help="print the ticket query's plan")
    args = parser.parse_args(argv)
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from tickets.models import Ticket

    from . import queue, report

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    agent = queue._agent_with_a_twentieth()
    client = Client()
    client.force_login(agent)
    print(f"{Ticket.objects.count():,} tickets; load average before: {report.load_average()}")
    print("| search | queue | median ms | p95 ms | queries | SQL ms |")
    print("|---|---|---:|---:|---:|---:|")
    for word in args.words:
        for name in ("all", "mine"):
            scenario = queue.Scenario(word, "search", f"/desk/?queue={name}&q={word}", 50)
            r = queue.measure(client, scenario, args.repeat, args.warmup)
            print(
                f"| {word} | {name} | {r['median_ms']} | {r['p95_ms']} | {r['queries']} "
                f"| {r['sql_ms']} |"
            )
            if args.plans:
                for plan in queue.explain(r["sql"]):
                    if "LIMIT" in plan["sql"] and "tickets_ticket" in plan["sql"]:
                        print("\n".join("    " + line for line in plan["plan"]))
    print(f"load average after: {report.load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
