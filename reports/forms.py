from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from complaints.models import Category
from tickets.roles import Role

from .models import ActionStatus, Subject


def staff_users():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.MANAGER, Role.SUPERVISOR])
        .distinct()
        .order_by("username")
    )


class PostMortemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    subject = forms.ChoiceField(label=_("About"), choices=Subject.choices)
    category = forms.ModelChoiceField(
        Category.objects.select_related("parent"), required=False, label=_("Category")
    )
    subject_value = forms.CharField(
        label=_("Product category or carrier"), max_length=120, required=False
    )
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    findings = forms.CharField(
        label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionForm(forms.Form):
    what = forms.CharField(label=_("What"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(staff_users(), label=_("Owner"))
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users()


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
