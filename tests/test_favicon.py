"""/favicon.ico: browsers ask for it on every page; it was 404 (a log line and a console
error each time)."""

ICO_HEADER = b"\x00\x00\x01\x00"  # reserved 0, type 1 = icon


def test_the_favicon_is_an_icon_for_anybody(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content).startswith(ICO_HEADER)
    assert "max-age" in response["Cache-Control"]


def test_every_page_names_its_icon(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.ico"' in page
