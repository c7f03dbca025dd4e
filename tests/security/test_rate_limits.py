"""Rate limits (429 with Retry-After) and the login lockout, through the pages and the API."""

import re

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from tickets import ratelimit
from tickets.ratelimit import Rate, hit, parse_rate

from ..factories import make_user

pytestmark = pytest.mark.django_db


# The limiter


@pytest.mark.parametrize(
    ("text", "rate"),
    [("5/hour", Rate(5, 3600)), ("20/minute", Rate(20, 60)), ("100/15m", Rate(100, 900))],
)
def test_rates_are_read_like_drfs(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["5", "five/hour", "5/fortnight", "0/minute", ""])
def test_a_bad_rate_is_refused_with_a_clear_message(text):
    with pytest.raises(ValueError, match="Not a rate"):
        parse_rate(text)


def test_the_limit_counts_within_a_window_and_says_when_it_ends():
    rate = Rate(2, 60)
    verdicts = [hit("t", "1.2.3.4", rate, now=600.0 + i) for i in range(3)]
    assert [v.allowed for v in verdicts] == [True, True, False]
    assert verdicts[2].retry_after == 58  # the window 600–660 ends in 58 s
    assert hit("t", "1.2.3.4", rate, now=660.0).allowed  # a new window
    assert hit("t", "5.6.7.8", rate, now=602.0).allowed  # another key


def test_the_limiter_lets_requests_through_when_the_cache_is_down(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", down)
    assert all(hit("t", "k", Rate(1, 60)).allowed for _ in range(3))


def test_the_client_address_comes_from_the_proxy_only_when_one_is_configured(settings):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.1")
    request.META["REMOTE_ADDR"] = "10.0.0.2"
    assert ratelimit.client_ip(request) == "10.0.0.2"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert ratelimit.client_ip(request) == "10.0.0.1"


# Pages and API


def assert_429(response):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600


def test_the_login_page_answers_429_after_too_many_posts(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/minute"}
    client = Client()
    codes = [
        client.post("/accounts/login/", {"username": f"u{i}", "password": "x"}).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 200]
    response = client.post("/accounts/login/", {"username": "u9", "password": "x"})
    assert_429(response)
    assert "Too many requests" in response.content.decode()
    assert client.get("/accounts/login/").status_code == 200  # reading the form is free


def test_the_admin_login_is_limited_too(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "1/minute"}
    client = Client()
    client.post("/admin/login/", {"username": "u", "password": "x"})
    assert_429(client.post("/admin/login/", {"username": "u", "password": "x"}))


def test_tracking_pages_answer_429_after_too_many_requests(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "portal_token": "2/minute"}
    client = Client()
    assert [client.get(f"/track/guess{i}/").status_code for i in range(2)] == [404, 404]
    assert_429(client.get("/track/guess3/"))
    assert_429(client.get("/survey/guess4/"))


def test_api_token_endpoint_answers_429_with_retry_after(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "token": "1/minute"},
    }
    client = Client()
    body = {"username": "x", "password": "y"}
    assert client.post("/api/auth/token/", body).status_code == 400
    response = client.post("/api/auth/token/", body)
    assert_429(response)
    assert "detail" in response.json()


def test_public_intake_answers_429_with_retry_after_on_the_form_and_the_api(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "portal_intake": "1/hour"}
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "intake": "1/hour"},
    }
    form = {"customer_name": "赵六", "customer_email": "z@example.com", "title": "t"}
    form["description"] = "d"
    client = Client()
    assert client.post("/complaint/", form).status_code == 302
    assert_429(client.post("/complaint/", {**form, "customer_email": "other@example.com"}))
    api = {**form, "channel": "web"}
    assert client.post("/api/complaints/", api, content_type="application/json").status_code == 201
    assert_429(client.post("/api/complaints/", api, content_type="application/json"))


# Lockout


@pytest.fixture
def lockout_of_three(settings):
    settings.LOGIN_LOCKOUT_FAILURES = 3
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "100/minute"}
    return make_user("agent1", "agents")


def login(client, username, password="wrong", ip="10.0.0.1"):  # noqa: S107
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_repeated_failures_lock_the_username_from_that_address(lockout_of_three):
    client = Client()
    for _ in range(3):
        assert "didn" in login(client, "agent1").content.decode()  # the usual message
    locked = login(client, "agent1", password="correct-horse-battery")
    assert locked.status_code == 200
    assert "Too many failed attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # From another address the right password still works: no denial of service by guessing.
    assert login(Client(), "agent1", "correct-horse-battery", ip="10.0.0.9").status_code == 302


def test_an_unknown_username_is_locked_the_same_way(lockout_of_three):
    for username in ("nobody-here", "agent1"):
        for _ in range(3):
            login(Client(), username)
    unknown = login(Client(), "nobody-here").content.decode()
    known = login(Client(), "agent1").content.decode()
    assert "Too many failed attempts" in unknown
    csrf = re.compile(r'value="[A-Za-z0-9]{64}"')
    # Nothing tells them apart but the name typed and the form's CSRF token.
    assert csrf.sub("", unknown.replace("nobody-here", "agent1")) == csrf.sub("", known)


def test_a_success_clears_the_failures(lockout_of_three):
    client = Client()
    login(client, "agent1")
    login(client, "agent1")
    assert login(client, "agent1", "correct-horse-battery").status_code == 302
    client = Client()
    login(client, "agent1")
    login(client, "agent1")
    assert "Too many failed attempts" not in login(client, "agent1").content.decode()


def test_the_lock_ends_after_its_time(lockout_of_three, time_machine):
    time_machine.move_to("2026-11-23 10:00:00Z", tick=False)
    for _ in range(3):
        login(Client(), "agent1")
    time_machine.move_to("2026-11-23 10:14:00Z", tick=False)
    assert "Too many failed attempts" in login(Client(), "agent1").content.decode()
    time_machine.move_to("2026-11-23 10:15:01Z", tick=False)
    assert login(Client(), "agent1", "correct-horse-battery").status_code == 302


def test_the_api_and_the_admin_say_so_too(lockout_of_three):
    for _ in range(3):
        login(Client(), "agent1")
    api = Client().post(
        "/api/auth/token/",
        {"username": "agent1", "password": "correct-horse-battery"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert api.status_code == 400
    assert "Too many failed attempts" in api.json()["detail"]
    admin = Client().post(
        "/admin/login/",
        {"username": "agent1", "password": "correct-horse-battery"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert "Too many failed attempts" in admin.content.decode()


# Lockout while the cache is down: the counts live in the database, so an outage of the
# cache (a Redis port where nothing listens, not a mock) cannot switch the lockout off.


@pytest.fixture
def cache_unreachable(settings, unreachable_cache):
    """The default cache down (made before it: agent1, the lockout of five)."""
    settings.LOGIN_LOCKOUT_FAILURES = 5
    make_user("agent1", "agents")
    return unreachable_cache()


def test_the_lockout_holds_while_the_cache_is_down(cache_unreachable):
    client = Client()
    for _ in range(30):
        login(client, "agent1")
    right = login(client, "agent1", password="correct-horse-battery")
    assert "_auth_user_id" not in client.session
    assert right.status_code == 200
    assert "Too many failed attempts" in right.content.decode()
    api = Client().post(
        "/api/auth/token/",
        {"username": "agent1", "password": "correct-horse-battery"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert api.status_code == 400
    assert "Too many failed attempts" in api.json()["detail"]


def test_the_right_password_still_works_before_the_limit_while_the_cache_is_down(
    cache_unreachable,
):
    client = Client()
    for _ in range(4):
        login(client, "agent1")
    assert login(client, "agent1", password="correct-horse-battery").status_code == 302


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_failures_arriving_together_are_all_counted(settings):
    from tests.tickets.test_concurrency import run_together
    from tickets import lockout

    settings.LOGIN_LOCKOUT_FAILURES = 6
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.1")
    outcomes = run_together(*[lambda: lockout.record_failure(request, "agent1")] * 5)
    assert [kind for kind, _value in outcomes] == ["ok"] * 5
    assert not lockout.seconds_locked(request, "agent1")
    lockout.record_failure(request, "agent1")  # the sixth
    assert lockout.seconds_locked(request, "agent1") == settings.LOGIN_LOCKOUT_SECONDS


def test_counts_whose_time_is_over_are_deleted(lockout_of_three, time_machine):
    from tickets.models import LoginFailureCount

    time_machine.move_to("2026-11-23 10:00:00Z", tick=False)
    login(Client(), "agent1", ip="10.0.0.1")
    login(Client(), "agent1", ip="10.0.0.2")
    assert LoginFailureCount.objects.count() == 2
    time_machine.move_to("2026-11-23 10:15:01Z", tick=False)
    login(Client(), "agent1", ip="10.0.0.3")
    assert LoginFailureCount.objects.count() == 1
    assert "agent1" not in str(list(LoginFailureCount.objects.values()))  # keys are hashed
