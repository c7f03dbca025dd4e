"""Historic complaints from public CSV exports, turned into tickets through intake.

One parser per source format turns a CSV row into the arguments of
`tickets.intake.import_complaint`, or raises RowRejected with a reason that groups well in a
report ("bad Date received") and a detail that names the offending value. `ComplaintImporter`
runs the rows: it skips what is already there, creates the source's categories under the
`imported` parent on first sight, and counts every row as imported or rejected, so
read == imported + rejected always holds.

Time zones: a CFPB date has no time and no zone, so it means midnight in the installation's
zone (settings.TIME_ZONE). NYC 311 times are New York wall-clock times, read in
America/New_York whatever the installation's zone.
"""

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError
from django.utils import timezone
from django.utils.text import slugify

from complaints.models import Category, Channel, Complaint, Outcome
from complaints.services import ComplaintInput, validate_complaint_input

from .intake import import_complaint

NEW_YORK = ZoneInfo("America/New_York")
IMPORTED_PARENT_SLUG = "imported"
TITLE_MAX = 200
TEXT_MAX = 200  # product name
NAME_MAX = 120  # category names


class RowRejected(Exception):
    """A row that cannot be imported: `reason` groups rows in the report, `detail` explains."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ParsedRow:
    """The arguments of import_complaint for one row, with the category still by name.

    `taxonomy_slug` names a category of our own taxonomy, taken when it exists;
    `imported_category` a category of the source's, created under the `imported` parent when
    first seen, and used when there is no taxonomy slug or it was removed from the taxonomy.
    """

    data: ComplaintInput
    taxonomy_slug: str = ""
    imported_category: str = ""
    closed_at: datetime | None = None
    due_at: datetime | None = None


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _date(value: str, column: str, formats: tuple[str, ...]) -> datetime:
    value = (value or "").strip()
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt)  # noqa: DTZ007 - made aware by the caller
        except ValueError:
            continue
    raise RowRejected(f"bad {column}", repr(value))


def _title(text: str, column: str) -> str:
    title = _cut(text, TITLE_MAX)
    if not title:
        raise RowRejected(f"empty {column}")
    return title


def _check_order(received_at: datetime | None, closed_at: datetime | None) -> None:
    if received_at and closed_at and closed_at < received_at:
        raise RowRejected(
            "closed before received", f"{closed_at.isoformat()} < {received_at.isoformat()}"
        )


# --- 黑猫投诉 (heimao) ----------------------------------------------------------------------

# 投诉问题 keywords onto the seeded taxonomy, most specific first; the first keyword found
# anywhere in the field decides. Problems none of these fit (loans, accounts, fraud…) become
# imported categories named after the first problem the complainant listed.
HEIMAO_CATEGORY_KEYWORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("假货",), "counterfeit"),
    (("质量", "三包"), "defective"),
    (("虚假发货", "逾期未发货", "未发货", "不发货"), "not_shipped"),
    (("自动续费", "强制开通", "连续包月"), "auto_renewal"),
    (("重复扣",), "double_charge"),
    (("虚假宣传", "广告", "误导", "钓鱼", "刷单", "领现金", "助力"), "misleading_promotion"),
    (("退款太慢", "退款慢", "退款不及时"), "refund_delay"),
    (("不予退款", "不给退款", "不予退货", "拒绝退", "无理由退货"), "return_refused"),
    (("退款", "退货", "退票", "退费"), "return_refund"),
    (("扣款", "扣费", "乱收费", "收费", "多收", "费用问题"), "billing"),
    (
        ("态度", "客服不处理", "处理不当", "服务不到位", "联系不到客服", "售后服务", "没有客服"),
        "service_attitude",
    ),
)

# 投诉要求 items onto desired outcomes; an item not listed here becomes "other".
HEIMAO_OUTCOMES: dict[str, tuple[str, ...]] = {
    "退款": (Outcome.REFUND,),
    "退费": (Outcome.REFUND,),
    "全额退费": (Outcome.REFUND,),
    "部分退款": (Outcome.PARTIAL_REFUND,),
    "补差价": (Outcome.PARTIAL_REFUND,),
    "赔偿": (Outcome.COMPENSATION,),
    "解释": (Outcome.EXPLANATION,),
    "道歉": (Outcome.APOLOGY,),
    "改善服务": (Outcome.SERVICE_IMPROVEMENT,),
    "退货": (Outcome.RETURN,),
    "退货退款": (Outcome.RETURN, Outcome.REFUND),
    "换货": (Outcome.EXCHANGE,),
    "维修": (Outcome.REPAIR,),
}
_LIST_SEPARATORS = re.compile(r"[,，、/;；]+")


def split_list(value: str) -> list[str]:
    return [item.strip() for item in _LIST_SEPARATORS.split(value or "") if item.strip()]


def heimao_outcomes(demands: str) -> list[str]:
    outcomes: list[str] = []
    for item in split_list(demands):
        outcomes.extend(str(o) for o in HEIMAO_OUTCOMES.get(item, (Outcome.OTHER,)))
    return list(dict.fromkeys(outcomes))


def heimao_category_slug(problem: str) -> str:
    """The taxonomy slug a 投诉问题 obviously fits, or "" when none does."""
    for keywords, slug in HEIMAO_CATEGORY_KEYWORDS:
        if any(keyword in problem for keyword in keywords):
            return slug
    return ""


def heimao_external_id(title: str, details: str) -> str:
    """黑猫 rows carry no id: the same title and details are the same complaint."""
    return hashlib.sha256(f"{title}\n{details}".encode()).hexdigest()[:16]


def parse_heimao(row: dict[str, str]) -> ParsedRow:
    title = _title(row["投诉标题"], "投诉标题")
    details = row["投诉详情"] if row["投诉详情"].strip() else title
    external_id = heimao_external_id(row["投诉标题"], row["投诉详情"])
    problem = row["投诉问题"].strip()
    slug = heimao_category_slug(problem)
    problems = split_list(problem)
    return ParsedRow(
        data=ComplaintInput(
            customer_name="黑猫投诉用户",
            customer_email=f"heimao-{external_id}@imported.invalid",
            customer_language="zh-hans",
            channel=Channel.WEB,
            title=title,
            description=details,
            product_name=_cut(row["投诉对象"], TEXT_MAX),
            desired_outcomes=heimao_outcomes(row["投诉要求"]),
            source="heimao",
            external_id=external_id,
        ),
        taxonomy_slug=slug,
        imported_category=_cut(problems[0] if problems else "", NAME_MAX),
    )


# --- CFPB consumer complaint database ---------------------------------------------------------

CFPB_DATE_FORMATS = ("%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y")
# Postal mail, fax and referrals reach the CFPB by other routes; "api" stands for all of them.
CFPB_CHANNELS = {"web": Channel.WEB, "phone": Channel.PHONE, "email": Channel.EMAIL}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def parse_cfpb(row: dict[str, str]) -> ParsedRow:
    complaint_id = row["Complaint ID"].strip()
    if not complaint_id:
        raise RowRejected("missing Complaint ID")
    received_at = _local_midnight(
        _date(row["Date received"], "Date received", CFPB_DATE_FORMATS).date()
    )
    closed_at = None
    if row["Company response to consumer"].strip().startswith("Closed"):
        # The CFPB publishes no close time; the day it went to the company is the nearest.
        sent = _date(row["Date sent to company"], "Date sent to company", CFPB_DATE_FORMATS)
        closed_at = _local_midnight(sent.date())
        _check_order(received_at, closed_at)
    issue, sub_issue = row["Issue"].strip(), row["Sub-issue"].strip()
    title = _title(f"{issue} — {sub_issue}" if issue and sub_issue else issue, "Issue")
    product, sub_product = row["Product"].strip(), row["Sub-product"].strip()
    narrative = row["Consumer complaint narrative"]
    if not narrative.strip():
        parts = [
            ("Product", product),
            ("Sub-product", sub_product),
            ("Issue", issue),
            ("Sub-issue", sub_issue),
            ("Company", row["Company"].strip()),
        ]
        narrative = "; ".join(f"{label}: {value}" for label, value in parts if value) + "."
    return ParsedRow(
        data=ComplaintInput(
            customer_name="CFPB consumer",
            customer_email=f"cfpb-{complaint_id}@imported.invalid",
            customer_language="en",
            channel=CFPB_CHANNELS.get(row["Submitted via"].strip().lower(), Channel.API),
            title=title,
            description=narrative,
            product_name=_cut(sub_product or product, TEXT_MAX),
            received_at=received_at,
            source="cfpb",
            external_id=complaint_id,
        ),
        imported_category=_cut(product, NAME_MAX),
        closed_at=closed_at,
    )


# --- NYC 311 service requests ----------------------------------------------------------------

NYC311_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S")


def _new_york_time(row: dict[str, str], column: str, required: bool = False) -> datetime | None:
    if not row[column].strip() and not required:
        return None
    # An ambiguous hour on the autumn DST change is read as the first of the two (fold=0).
    return _date(row[column], column, NYC311_TIME_FORMATS).replace(tzinfo=NEW_YORK)


def parse_nyc311(row: dict[str, str]) -> ParsedRow:
    key = row["Unique Key"].strip()
    if not key:
        raise RowRejected("missing Unique Key")
    received_at = _new_york_time(row, "Created Date", required=True)
    closed_at = _new_york_time(row, "Closed Date")
    due_at = _new_york_time(row, "Due Date")
    _check_order(received_at, closed_at)
    kind, descriptor = row["Complaint Type"].strip(), row["Descriptor"].strip()
    title = _title(f"{kind} — {descriptor}" if kind and descriptor else kind, "Complaint Type")
    place = ", ".join(
        part for part in (row["Incident Address"].strip(), row["City"].strip()) if part
    )
    if row["Incident Zip"].strip():
        place = f"{place} {row['Incident Zip'].strip()}".strip()
    agency = row["Agency Name"].strip() or row["Agency"].strip()
    lines = [
        descriptor or kind,
        f"Address: {place}" if place else "",
        f"Location type: {row['Location Type'].strip()}" if row["Location Type"].strip() else "",
        f"Agency: {agency}" if agency else "",
        "Reported by phone to NYC 311.",
    ]
    return ParsedRow(
        data=ComplaintInput(
            customer_name="NYC 311 caller",
            customer_email=f"nyc311-{key}@imported.invalid",
            customer_language="en",
            channel=Channel.PHONE,
            title=title,
            description="\n".join(line for line in lines if line),
            received_at=received_at,
            source="nyc311",
            external_id=key,
        ),
        imported_category=_cut(kind, NAME_MAX),
        closed_at=closed_at,
        due_at=due_at,
    )


@dataclass(frozen=True)
class SourceFormat:
    name: str
    columns: tuple[str, ...]
    parse: Callable[[dict[str, str]], ParsedRow]


FORMATS: dict[str, SourceFormat] = {
    "heimao": SourceFormat(
        "heimao", ("投诉标题", "投诉详情", "投诉对象", "投诉问题", "投诉要求"), parse_heimao
    ),
    "cfpb": SourceFormat(
        "cfpb",
        (
            "Date received",
            "Product",
            "Sub-product",
            "Issue",
            "Sub-issue",
            "Consumer complaint narrative",
            "Company",
            "Submitted via",
            "Date sent to company",
            "Company response to consumer",
            "Complaint ID",
        ),
        parse_cfpb,
    ),
    "nyc311": SourceFormat(
        "nyc311",
        (
            "Unique Key",
            "Created Date",
            "Closed Date",
            "Due Date",
            "Agency",
            "Agency Name",
            "Complaint Type",
            "Descriptor",
            "Location Type",
            "Incident Zip",
            "Incident Address",
            "City",
        ),
        parse_nyc311,
    ),
}


# --- Running an import -----------------------------------------------------------------------


@dataclass
class ImportReport:
    """What happened to every row; `examples` keeps the first rows of each reason."""

    keep_examples: int = 5
    read: int = 0
    imported: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def reject(self, row_number: int, line: int, reason: str, detail: str = "") -> None:
        self.rejected[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < self.keep_examples:
            shown.append((row_number, line, detail))


class ComplaintImporter:
    """Imports the rows of one source, one transaction per row, and reports on each."""

    def __init__(self, source: str, *, keep_examples: int = 5) -> None:
        self.format = FORMATS[source]
        self.report = ImportReport(keep_examples=keep_examples)
        self.parent = Category.objects.filter(slug=IMPORTED_PARENT_SLUG).first()
        if self.parent is None:
            raise LookupError(
                f"The “{IMPORTED_PARENT_SLUG}” category is missing; run the migrations first."
            )
        self._taxonomy: dict[str, Category | None] = {}
        self._imported: dict[str, Category] = {}
        # One query for what is already there; a concurrent import is caught by the unique
        # constraint (IntegrityError) instead.
        self._existing = set(
            Complaint.objects.filter(source=source)
            .exclude(external_id="")
            .values_list("external_id", flat=True)
        )
        self._seen: dict[str, int] = {}

    def missing_columns(self, header: list[str] | None) -> list[str]:
        return [column for column in self.format.columns if column not in (header or [])]

    def import_row(self, row_number: int, line: int, row: dict) -> bool:
        """Import one CSV row (as csv.DictReader gives it); False when it was rejected.

        `row_number` counts records (the header is row 1); `line` is where it starts in the
        file. Both only label the row in the report.
        """
        self.report.read += 1
        try:
            self._import(row_number, row)
        except RowRejected as rejected:
            self.report.reject(row_number, line, rejected.reason, rejected.detail)
            return False
        self.report.imported += 1
        return True

    def reject_unreadable(self, row_number: int, line: int, detail: str) -> None:
        self.report.read += 1
        self.report.reject(row_number, line, "unreadable CSV record", detail)

    def _import(self, row_number: int, row: dict) -> None:
        # csv.DictReader puts surplus fields under None and fills missing ones with None.
        if None in row or None in row.values():
            found = sum(value is not None for key, value in row.items() if key is not None)
            found += len(row.get(None) or [])
            raise RowRejected(
                "wrong number of fields", f"{found} instead of {len(row) - (None in row)}"
            )
        parsed = self.format.parse(row)
        external_id = parsed.data.external_id
        if external_id in self._existing:
            raise RowRejected("already imported", f"{self.format.name} {external_id}")
        if external_id in self._seen:
            raise RowRejected(
                "same complaint as an earlier row in this file", f"row {self._seen[external_id]}"
            )
        try:
            # Checked before the category is looked up, so a bad row creates no category.
            validate_complaint_input(parsed.data)
            category = self._category(parsed)
            import_complaint(
                data=parsed.data,
                category=category,
                closed_at=parsed.closed_at,
                due_at=parsed.due_at,
            )
        except ValidationError as error:
            fields = ", ".join(sorted(error.message_dict)) if hasattr(error, "error_dict") else ""
            raise RowRejected(f"invalid {fields}".strip(), "; ".join(error.messages)) from None
        except IntegrityError as error:
            if Complaint.objects.filter(source=self.format.name, external_id=external_id).exists():
                raise RowRejected("already imported", f"{self.format.name} {external_id}") from None
            raise RowRejected("refused by the database", str(error)) from None
        except DataError as error:
            raise RowRejected("refused by the database", str(error)) from None
        self._seen[external_id] = row_number

    def _category(self, parsed: ParsedRow) -> Category | None:
        if parsed.taxonomy_slug:
            if parsed.taxonomy_slug not in self._taxonomy:
                self._taxonomy[parsed.taxonomy_slug] = Category.objects.filter(
                    slug=parsed.taxonomy_slug
                ).first()
            if self._taxonomy[parsed.taxonomy_slug] is not None:
                return self._taxonomy[parsed.taxonomy_slug]
        if parsed.imported_category:
            return self._imported_category(parsed.imported_category)
        return None

    def _imported_category(self, name: str) -> Category:
        if name not in self._imported:
            self._imported[name] = self._find_or_create_imported(name)
        return self._imported[name]

    def _find_or_create_imported(self, name: str) -> Category:
        prefix = f"{self.format.name}-"
        found = (
            Category.objects.filter(parent=self.parent, name_en=name, slug__startswith=prefix)
            .order_by("id")
            .first()
        )
        if found is not None:
            return found
        digest = hashlib.sha256(name.encode()).hexdigest()[:10]
        # Chinese names slugify to nothing: a hash of the name stands in for it.
        slug = f"{prefix}{slugify(name) or digest}"[:80].rstrip("-")
        if Category.objects.filter(slug=slug).exists():
            slug = f"{slug[:69].rstrip('-')}-{digest}"
        is_chinese = any("\u4e00" <= char <= "\u9fff" for char in name)
        return Category.objects.create(
            slug=slug,
            name_en=name,
            name_zh=name if is_chinese else "",
            parent=self.parent,
            position=1000,
        )
