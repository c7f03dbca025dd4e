"""The starting taxonomy from the domain notes (docs: ../shared/DOMAIN.md).

Seeded by a data migration and editable in the admin afterwards; the slugs are the public
names the API accepts and must not change once tickets use them.
"""

# (slug, English, Chinese, sub-categories)
CATEGORIES = [
    (
        "product_quality",
        "Product quality",
        "商品质量",
        [
            ("defective", "Defective or broken", "质量缺陷"),
            ("counterfeit", "Suspected counterfeit", "疑似假货"),
            ("expired", "Expired or spoiled", "过期变质"),
            ("health_safety", "Health or safety harm", "健康安全问题"),
        ],
    ),
    (
        "shipping_delay",
        "Shipping delay",
        "发货/物流延误",
        [
            ("not_shipped", "Not shipped on time", "未按时发货"),
            ("transit_delay", "Delayed in transit", "运输延误"),
        ],
    ),
    (
        "logistics_damage",
        "Logistics damage or loss",
        "物流破损/丢件",
        [
            ("damaged_in_transit", "Damaged in transit", "运输破损"),
            ("lost_parcel", "Parcel lost", "丢件"),
            ("wrong_or_missing_item", "Wrong or missing item", "错发漏发"),
        ],
    ),
    ("description_mismatch", "Description mismatch", "描述不符", []),
    ("service_attitude", "Service attitude", "服务态度", []),
    (
        "return_refund",
        "Return or refund difficulty",
        "退换货困难",
        [
            ("refund_delay", "Refund slow or missing", "退款慢/未到账"),
            ("return_refused", "Return refused", "拒绝退换"),
        ],
    ),
    (
        "billing",
        "Billing or payment",
        "扣费/支付",
        [
            ("double_charge", "Charged twice", "重复扣费"),
            ("auto_renewal", "Unwanted auto-renewal", "自动续费"),
        ],
    ),
    ("misleading_promotion", "Misleading promotion", "虚假宣传", []),
    ("usage_misunderstanding", "Usage misunderstanding", "使用误解", []),
    ("other", "Other", "其他", []),
]

# Parent of the categories an import brings from its source (a CFPB Product, a 311 type).
IMPORTED_PARENT = ("imported", "Imported", "导入", [])
# Categories that only hold imported history (Category.import_only): not offered when
# classifying, and neither are their sub-categories.
IMPORT_ONLY_SLUGS = ("imported",)

RESPONSIBILITIES = [
    ("merchant", "Merchant or product", "商家/商品"),
    ("supplier", "Supplier", "供应商"),
    ("carrier", "Logistics carrier", "物流承运商"),
    ("customer_service", "Customer service", "客服"),
    ("customer_expectation", "Customer expectation gap", "顾客期望偏差"),
    ("force_majeure", "Force majeure", "不可抗力"),
    ("undetermined", "Undetermined", "待定"),
]

# (slug, English, Chinese, rank, escalate_immediately)
SEVERITIES = [
    ("low", "Low", "低", 10, False),
    ("normal", "Normal", "一般", 20, False),
    ("high", "High", "高", 30, False),
    ("critical", "Critical", "严重", 40, True),
]


def seed_taxonomy(category_model, responsibility_model, severity_model) -> None:
    """Create or update the starting taxonomy; safe to run again (used by the migration)."""
    for position, (slug, en, zh, children) in enumerate([*CATEGORIES, IMPORTED_PARENT]):
        parent, _ = category_model.objects.update_or_create(
            slug=slug, defaults={"name_en": en, "name_zh": zh, "position": position * 10}
        )
        for child_position, (child_slug, child_en, child_zh) in enumerate(children):
            category_model.objects.update_or_create(
                slug=child_slug,
                defaults={
                    "name_en": child_en,
                    "name_zh": child_zh,
                    "parent": parent,
                    "position": position * 10 + child_position + 1,
                },
            )
    for position, (slug, en, zh) in enumerate(RESPONSIBILITIES):
        responsibility_model.objects.update_or_create(
            slug=slug, defaults={"name_en": en, "name_zh": zh, "position": position}
        )
    for slug, en, zh, rank, escalate in SEVERITIES:
        severity_model.objects.update_or_create(
            slug=slug,
            defaults={
                "name_en": en,
                "name_zh": zh,
                "rank": rank,
                "position": rank,
                "escalate_immediately": escalate,
            },
        )


def mark_import_only(category_model) -> None:
    """Flag the categories of IMPORT_ONLY_SLUGS as import-only (the migration, the tests)."""
    category_model.objects.filter(slug__in=IMPORT_ONLY_SLUGS).update(import_only=True)
