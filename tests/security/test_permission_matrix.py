"""Who may call what: every URL pattern and every OpenAPI operation, as every role.

The URL conf and the schema are walked, so a new page, API operation or admin model
without an entry in matrix_cases.py fails here instead of going out unchecked. Each
request runs in a savepoint that is rolled back, so every role meets the same data.
"""

from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator

from tickets.models import StaffProfile

from .matrix_cases import ADMIN_MODELS, ADMIN_PAGES, ADMIN_PROFILES, API, PAGES, Case, fixed
from .world import ROLES, build_world

pytestmark = pytest.mark.django_db

ADMIN_VIEWS = ("changelist", "add", "change", "delete", "history")


def url_patterns(patterns=None, prefix="", namespace=""):
    """(view name or None, route) for every pattern, admin and API included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else None), route


def schema_operations() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        f"{m.upper()} {path}" for path, ops in schema["paths"].items() for m in ops if m in methods
    }


def admin_model_cases(world) -> dict[str, Case]:
    cases = {}
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        profile = ADMIN_PROFILES.get(ADMIN_MODELS.get(label, ""))
        if profile is None:
            continue  # reported by the coverage test
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        obj = model._default_manager.order_by("pk").first()
        pk = obj.pk if obj is not None else 1
        paths = {
            "changelist": base,
            "add": base + "add/",
            "change": f"{base}{pk}/change/",
            "delete": f"{base}{pk}/delete/",
            "history": f"{base}{pk}/history/",
        }
        if hasattr(model, "history") and obj is not None:
            # django-simple-history's page of one past version of the row.
            version = obj.history.order_by("history_id").first()
            if version is None:
                obj.save()  # a row seeded without history gets its first version
                version = obj.history.get()
            paths["simple_history"] = f"{base}{pk}/history/{version.history_id}/"
        for view in ADMIN_VIEWS + ("simple_history",) * ("simple_history" in paths):
            cases[f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"] = Case(
                "GET", fixed(paths[view]), profile[view]
            )
    return cases


def all_cases(world) -> dict[str, Case]:
    return {**PAGES, **ADMIN_PAGES, **admin_model_cases(world), **API}


@pytest.fixture
def world():
    world = build_world()
    # The staff profile pages (compensation limits) need a profile to address.
    StaffProfile.objects.create(user=world.users["agent"], compensation_limit=Decimal("200"))
    return world


def test_every_url_and_operation_has_expected_answers(world):
    cases = all_cases(world)
    covered_views = set()
    for key, case in cases.items():
        path = urlparse(case.path(world, "customer")).path
        view = resolve(path).view_name
        covered_views.add(view)
        name = key.split(" ")[0]
        if not key.startswith(("GET ", "POST ", "DELETE ", "admin/")):
            assert view == name, f"the entry {key!r} requests {path}, which is {view!r}"
    unnamed_routes = {key for key in cases if key.startswith("admin/")}
    missing = []
    for name, route in url_patterns():
        if name is None:
            generic = (
                "admin/<model>/<path:object_id>/" if route.endswith("<path:object_id>/") else route
            )
            if generic not in unnamed_routes:
                missing.append(route)
        elif name not in covered_views:
            missing.append(name)
    unregistered = sorted(
        f"{m._meta.app_label}.{m._meta.model_name}"
        for m in admin.site._registry
        if f"{m._meta.app_label}.{m._meta.model_name}" not in ADMIN_MODELS
    )
    operations = schema_operations()
    assert missing == [], "URL patterns without expected answers in matrix_cases.py"
    assert unregistered == [], "admin models without a profile in ADMIN_MODELS"
    assert sorted(operations - set(API)) == [], "API operations without expected answers"
    assert sorted(set(API) - operations) == [], "entries for operations the schema lacks"


def _answer(response) -> str:
    if response.status_code == 302 and "/login/" in response.get("Location", ""):
        return "login"
    return str(response.status_code)


def _call(world, case: Case, role: str):
    client = world.client_for(role)
    path = case.path(world, role)
    if case.method == "GET":
        return client.get(path)
    if case.method == "DELETE":
        return client.delete(path)
    data = case.data(world) if case.data else {}
    if case.json:
        return client.post(path, data, content_type="application/json")
    return client.post(path, data)


def test_expected_answers_for_every_role(world):
    wrong = []
    for key, case in all_cases(world).items():
        for role in ROLES:
            cache.clear()  # rate limits are tested on their own
            with transaction.atomic():
                before = case.probe(world) if case.probe else None
                response = _call(world, case, role)
                after = case.probe(world) if case.probe else None
                transaction.set_rollback(True)
            got, expected = _answer(response), case.expect[role]
            if expected == "302-":
                ok = got == "302" and before == after
            elif case.probe and expected in {"200", "201", "204", "302"}:
                ok = got == expected and before != after
            else:
                ok = got == expected and before == after
            if not ok:
                changed = "changed" if before != after else "unchanged"
                wrong.append(f"{key} as {role}: expected {expected}, got {got} ({changed})")
    assert not wrong, "\n" + "\n".join(wrong)
