"""The generated tables of docs/benchmarks.md for the http, sweep and load suites."""

from . import report


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


def _target(row: dict) -> str:
    if row.get("target_ms") is None:
        return "—"
    text = f"< {row['target_ms']:g} ms"
    if row.get("target_queries") is not None:
        text += f", ≤ {row['target_queries']} queries"
    return text


def _http(results: dict) -> list[str]:
    lines = [
        f"Through gunicorn ({results['workers']} sync workers) on loopback, as "
        f"`{results['measured_as']}`; one client, keep-alive. *Floor*: the page's own SQL "
        "replayed bare on one connection; *ratio*: median ÷ floor.",
        "",
        "| request | median ms | p95 ms | queries | floor ms | ratio | target | met |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    lines += [
        f"| {row['name']} | {row['median_ms']:,.1f} | {row['p95_ms']:,.1f} | "
        f"{row['queries']} | {row['floor_ms']:,.1f} | {row['ratio'] or '—'} | "
        f"{_target(row)} | {_yes(row['met'])} |"
        for row in results["pages"]
    ]
    lines += [
        f"| {row['name']} ({row['errors']} errors) | {row['median_ms']:,.1f} | "
        f"{row['p95_ms']:,.1f} | — | — | — | {_target(row)} | {_yes(row['met'])} |"
        for row in results["writes"]
    ]
    intake = results["intake"]
    lines += [
        "",
        f"**Intake**: {intake['name']}: {intake['sent']:,} sent, {intake['stored']:,} stored, "
        f"{intake['errors']} errors (answers {intake['statuses']}), in {intake['seconds']} s: "
        f"**{intake['per_second']:,} complaints/s** (target ≥ {intake['target_per_second']}), "
        f"median {intake['median_ms']} ms, p95 {intake['p95_ms']} ms — "
        f"met: {_yes(intake['met'])}.",
    ]
    return lines


def _sweep(results: list[dict]) -> list[str]:
    lines = [
        "| sweep | ms | breaches | ms per clock | finding them (floor) ms | target | met |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    lines += [
        f"| {row['name']} | {row['ms']:,.1f} | {row['breaches']:,} | {row['per_clock_ms']} | "
        f"{row['floor_ms']} | {_target(row)} | {_yes(row['met'])} |"
        for row in results
    ]
    return lines


def _load(results: dict) -> list[str]:
    lines = [
        f"`locust` for {results['seconds']} s with {results['users']} simulated people "
        f"({results['mix']}), through gunicorn: **{results['requests']:,} requests, "
        f"{results['failures']} failures ({results['error_rate']:.2%}), "
        f"{results['rps']:.1f} requests/s**. Complaints answered 201: "
        f"{results['complaints_accepted']:,}; found in the database afterwards: "
        f"{results['complaints_stored']:,} (requests still in flight when locust stopped are "
        "answered and stored, but not counted by locust).",
        "",
        "| request | count | failures | median ms | p95 ms | requests/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {row['name']} | {row['count']:,} | {row['failures']} | {row['median_ms']:g} | "
        f"{row['p95_ms']:g} | {row['rps']:.1f} |"
        for row in results["rows"]
    ]
    return lines


def section(suite: str, results) -> str:
    body = {"http": _http, "sweep": _sweep, "load": _load}[suite](results)
    return "\n".join([report.machine_line(), "", *body])
