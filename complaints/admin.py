"""The taxonomy is edited here; every edit is kept with who, when, before and after
(django-simple-history: the History button of each row)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Attachment, Category, Complaint, Customer, Responsibility, Severity


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ("slug", "name_en", "name_zh", "parent", "position", "is_active", "import_only")
    list_filter = ("is_active", "import_only", "parent")
    list_editable = ("position", "is_active")
    search_fields = ("slug", "name_en", "name_zh")
    list_select_related = ("parent",)


@admin.register(Responsibility)
class ResponsibilityAdmin(SimpleHistoryAdmin):
    list_display = ("slug", "name_en", "name_zh", "position", "is_active")
    list_editable = ("position", "is_active")


@admin.register(Severity)
class SeverityAdmin(SimpleHistoryAdmin):
    list_display = ("slug", "name_en", "name_zh", "rank", "escalate_immediately", "is_active")
    list_editable = ("rank", "escalate_immediately", "is_active")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "language", "created_at")
    search_fields = ("name", "email", "phone")
    show_full_result_count = False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-mostly: complaints are recorded through intake, never typed in here."""

    list_display = ("reference", "title", "customer", "channel", "order_number", "received_at")
    list_filter = ("channel",)
    search_fields = ("=reference", "=order_number", "title")
    raw_id_fields = ("customer",)
    readonly_fields = ("reference", "tracking_token_hash", "source", "external_id", "created_at")
    inlines = (AttachmentInline,)
    show_full_result_count = False
    date_hierarchy = "received_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Changes to a complaint would bypass the audit trail and the ticket's copies.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
