"""Test data made through the real code paths: complaints enter through intake, like in life."""

import itertools

import factory
from django.contrib.auth.models import Group, User

from complaints.services import ComplaintInput
from tickets.intake import submit_complaint

_numbers = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example.com")
    password = factory.django.Password("correct-horse-battery")


def make_user(username: str, *roles: str, **fields) -> User:
    user = UserFactory(username=username, **fields)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user


def complaint_input(**overrides) -> ComplaintInput:
    n = next(_numbers)
    values = {
        "customer_name": "王小明",
        "customer_email": f"customer{n}@example.com",
        "customer_phone": f"1380013{n:04d}",
        "channel": "web",
        "order_number": f"ORD-{n:06d}",
        "product_name": "保温杯 500ml",
        "product_category": "家居",
        "title": "收到的保温杯有裂痕",
        "description": "快递送到时外包装完好，但杯身有一道裂痕，漏水。",
        "desired_outcomes": ["exchange"],
    }
    values.update(overrides)
    return ComplaintInput(**values)


def make_ticket(**overrides):
    """A fresh ticket in intake, through the intake service."""
    return submit_complaint(data=complaint_input(**overrides)).ticket
