"""Every table of the weekly dashboard as data: a name, a title, column headings and rows.
The page renders them, and the exports write exactly the same rows, so what a manager sees
and what they download cannot disagree."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass
class Table:
    name: str
    title: str
    columns: list
    rows: list = field(default_factory=list)
    chart: str = ""  # the chart this table holds the numbers of, if any


def _minutes(value) -> str:
    return "" if value is None else f"{value:.0f}"


def _count_table(name: str, title, rows: list[dict], chart: str = "") -> Table:
    return Table(
        name,
        title,
        [_("Name"), _("Count"), _("Share %"), _("Previous week"), _("Change")],
        [[r["label"], r["count"], r["share_pct"], r["previous"], r["change"]] for r in rows],
        chart,
    )


def build_tables(report: dict) -> list[Table]:
    sla = report["sla"]
    tables = [
        Table(
            "trend",
            _("12-week trend"),
            [
                _("Week"),
                pgettext_lazy("count", "Received"),
                pgettext_lazy("count", "Closed"),
                _("First reply met %"),
                _("Resolution met %"),
            ],
            [
                [
                    w["week"],
                    w["received"],
                    w["closed"],
                    w["first_reply_met_pct"],
                    w["resolution_met_pct"],
                ]
                for w in report["trend"]
            ],
            "trend",
        ),
        _count_table("channels", _("By channel"), report["by_channel"]),
        _count_table("top_categories", _("By category"), report["by_top_category"], "categories"),
        _count_table("categories", _("By sub-category"), report["by_category"]),
        _count_table("product_categories", _("By product category"), report["by_product_category"]),
        _count_table("carriers", _("By carrier"), report["by_carrier"]),
        _count_table("responsibility", _("By responsibility"), report["by_responsibility"]),
        _count_table("severity", _("By severity"), report["by_severity"]),
        Table(
            "sla",
            _("SLA"),
            [
                _("Promise"),
                pgettext_lazy("count", "Met"),
                pgettext_lazy("count", "Breached"),
                _("Met %"),
                _("Median (min)"),
                _("p90 (min)"),
                _("Median, business (min)"),
                _("p90, business (min)"),
            ],
            [
                [
                    label,
                    s["met"],
                    s["breached"],
                    s["met_pct"],
                    _minutes(s["p50_minutes"]),
                    _minutes(s["p90_minutes"]),
                    _minutes(s["business_p50_minutes"]),
                    _minutes(s["business_p90_minutes"]),
                ]
                for label, s in (
                    (_("First reply"), sla["first_reply"]),
                    (pgettext_lazy("sla clock", "Resolution"), sla["resolution"]),
                )
            ],
        ),
        Table(
            "histogram",
            _("Time to first reply and to resolution (calendar time)"),
            [
                _("Time"),
                _("First replies"),
                _("Resolutions"),
                _("First replies, business time"),
                _("Resolutions, business time"),
            ],
            [
                [a["bucket"], a["count"], b["count"], c["count"], d["count"]]
                for a, b, c, d in zip(
                    sla["first_reply"]["histogram"],
                    sla["resolution"]["histogram"],
                    sla["first_reply"]["business_histogram"],
                    sla["resolution"]["business_histogram"],
                    strict=True,
                )
            ],
            "histogram",
        ),
        Table(
            "sla_by_category",
            _("SLA by category"),
            [
                _("Category"),
                _("First reply met %"),
                _("First reply median (min)"),
                _("First reply p90 (min)"),
                _("Resolution met %"),
                _("Resolution median (min)"),
                _("Resolution p90 (min)"),
            ],
            [
                [
                    r["category"],
                    r.get("first_reply_met_pct"),
                    _minutes(r.get("first_reply_p50_minutes")),
                    _minutes(r.get("first_reply_p90_minutes")),
                    r.get("resolution_met_pct"),
                    _minutes(r.get("resolution_p50_minutes")),
                    _minutes(r.get("resolution_p90_minutes")),
                ]
                for r in sla["by_category"]
            ],
        ),
        Table(
            "escalations",
            _("Escalations and approvals"),
            [_("Kind"), _("Opened")],
            [[r["label"], r["opened"]] for r in report["escalations"]["by_kind"]],
        ),
        Table(
            "compensation",
            _("Compensation granted"),
            [_("Category"), pgettext_lazy("count", "Tickets"), _("Total")],
            [
                [r["category"], r["count"], r["total"]]
                for r in report["compensation"]["by_category"]
            ],
        ),
        Table(
            "satisfaction",
            _("Satisfaction by category"),
            [
                _("Category"),
                _("Closed as resolved"),
                _("Responses"),
                _("Response rate %"),
                _("Average"),
            ],
            [
                [r["category"], r["closed"], r["responses"], r["response_rate_pct"], r["average"]]
                for r in report["satisfaction"]["by_category"]
            ],
        ),
        Table(
            "satisfaction_distribution",
            _("Satisfaction scores"),
            [_("Score"), _("Count")],
            [[r["score"], r["count"]] for r in report["satisfaction"]["distribution"]],
            "satisfaction",
        ),
        Table(
            "top_products",
            _("Top 10 products"),
            [_("Product"), pgettext_lazy("count", "Complaints")],
            [[r["product"], r["count"]] for r in report["top_products"]],
        ),
        Table(
            "repeat_orders",
            _("Orders with repeated complaints (4 weeks)"),
            [_("Order number"), pgettext_lazy("count", "Complaints")],
            [[r["key"], r["count"]] for r in report["repeat_orders"]],
        ),
        Table(
            "repeat_customers",
            _("Customers with repeated complaints (4 weeks)"),
            [_("Customer"), pgettext_lazy("count", "Complaints")],
            [[r.get("label", r["key"]), r["count"]] for r in report["repeat_customers"]],
        ),
        Table(
            "spikes",
            _("Spike alerts"),
            [_("About"), _("Name"), _("This week"), _("8-week median")],
            [
                [s["dimension_label"], s["label"], s["count"], s["baseline_median"]]
                for s in report["spikes"]
            ],
        ),
    ]
    return tables


def table_by_name(report: dict, name: str) -> Table | None:
    return next((t for t in build_tables(report) if t.name == name), None)
