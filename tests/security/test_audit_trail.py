"""The audit trail cannot be changed: not by the model, a bulk query, the admin or the API."""

import pytest
from django.test import Client

from tickets.models import AppendOnlyError, TicketEvent

from ..conftest import client_for
from ..factories import make_ticket, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return make_ticket().events.get()


def test_saving_an_existing_event_is_refused(event):
    event.to_value = "closed"
    with pytest.raises(AppendOnlyError):
        event.save()
    event.refresh_from_db()
    assert event.to_value == "intake"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert TicketEvent.objects.filter(pk=event.pk).exists()


def test_bulk_updates_and_deletes_are_refused(event):
    with pytest.raises(AppendOnlyError):
        TicketEvent.objects.filter(pk=event.pk).update(to_value="closed")
    with pytest.raises(AppendOnlyError):
        TicketEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        event.ticket.events.update(kind="assigned")
    assert TicketEvent.objects.get(pk=event.pk).to_value == "intake"


def test_redaction_may_touch_the_values_only_never_who_what_or_when(event):
    for forbidden in ({"actor": None}, {"kind": "assigned"}, {"created_at": None}, {}):
        with pytest.raises(AppendOnlyError):
            TicketEvent.objects.filter(pk=event.pk).redact(**forbidden)
    assert TicketEvent.objects.filter(pk=event.pk).redact(data={"redacted": True}) == 1


def test_new_events_are_still_appended(event):
    TicketEvent.objects.create(ticket=event.ticket, kind="assigned")
    assert event.ticket.events.count() == 2


def test_the_admin_offers_no_change_add_or_delete(event):
    root = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    base = "/admin/tickets/ticketevent/"
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{event.pk}/change/", {"to_value": "x"}).status_code == 403
    assert client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(base, {"action": "delete_selected", "_selected_action": [event.pk]})
    assert bulk.status_code in (200, 302)
    assert TicketEvent.objects.filter(pk=event.pk, to_value="intake").exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_api_has_no_way_to_change_a_ticket_or_its_events(event, method):
    root = make_user("root", is_staff=True, is_superuser=True)
    response = getattr(client_for(root), method)(
        f"/api/tickets/{event.ticket_id}/", {"events": []}, format="json"
    )
    assert response.status_code == 405
    assert TicketEvent.objects.filter(pk=event.pk, to_value="intake").exists()
