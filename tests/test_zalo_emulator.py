"""The Zalo OA emulator behaves as the research note documents, over real loopback HTTP."""

from __future__ import annotations

import secrets
import time
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import FakeClock
from tests.emulators.zalo import (
    MAX_IMAGE_BYTES,
    OAUTH_INVALID_APP_ID,
    OAUTH_INVALID_CODE,
    OAUTH_INVALID_CODE_VERIFIER,
    OAUTH_INVALID_PARAM,
    OAUTH_INVALID_REDIRECT_URI,
    OAUTH_INVALID_REFRESH_TOKEN,
    OAUTH_INVALID_SECRET_KEY,
    VIETNAM,
    Fault,
    StaticServer,
    ZaloEmulator,
    pkce_challenge,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 120
DAYTIME = datetime(2025, 10, 1, 10, 0, tzinfo=VIETNAM)
TIMEOUT = 5


@pytest.fixture
def clock_start() -> datetime:
    return DAYTIME


@pytest.fixture
def zalo(zalo: ZaloEmulator) -> Iterator[ZaloEmulator]:
    """The Zalo emulator of conftest, which must have answered every request without a server error."""
    yield zalo
    assert zalo.server_errors == []


@pytest.fixture
def static(tmp_path: Path) -> Iterator[StaticServer]:
    root = tmp_path / "cards"
    root.mkdir()
    (root / "card.jpg").write_bytes(JPEG)
    (root / "card.png").write_bytes(PNG)
    (root / "notes.txt").write_bytes(b"not an image")
    (root / "fake.jpg").write_bytes(b"<html>not a jpeg</html>")
    (root / "big.jpg").write_bytes(JPEG[:4] + b"\x00" * MAX_IMAGE_BYTES)
    with StaticServer(root) as server:
        yield server


# ---------------------------------------------------------------------------------------------- helpers


def token_request(
    emu: ZaloEmulator, form: dict[str, str], *, secret: str | None = None, app_id: str | None = None
) -> dict[str, Any]:
    body = {"app_id": app_id or emu.app_id, **form}
    headers = {"secret_key": secret if secret is not None else emu.app_secret}
    response = requests.post(f"{emu.url}/v4/oa/access_token", data=body, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def refresh(emu: ZaloEmulator, refresh_token: str, **kwargs: Any) -> dict[str, Any]:
    return token_request(emu, {"refresh_token": refresh_token, "grant_type": "refresh_token"}, **kwargs)


def access_token(emu: ZaloEmulator) -> str:
    token: str = refresh(emu, "RT-initial")["access_token"]
    return token


def oa_get(emu: ZaloEmulator, path: str, token: str | None, **params: Any) -> requests.Response:
    headers = {"access_token": token} if token else {}
    return requests.get(f"{emu.url}{path}", params=params, headers=headers, timeout=TIMEOUT)


def oa_post(emu: ZaloEmulator, path: str, token: str | None, body: Any, **headers: str) -> requests.Response:
    all_headers = {"access_token": token, **headers} if token else dict(headers)
    return requests.post(f"{emu.url}{path}", json=body, headers=all_headers, timeout=TIMEOUT)


def article(cover_url: str, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "normal",
        "title": "Dân vận khéo thì việc gì cũng thành công!",
        "author": "Ban Dân vận Tỉnh ủy Bắc Giang",
        "description": "Khẩu hiệu Tháng Dân vận năm 2021",
        "cover": {"cover_type": "photo", "photo_url": cover_url, "status": "show"},
        "body": [
            {"type": "image", "url": cover_url, "caption": "Khẩu hiệu"},
            {"type": "text", "content": "Dân vận khéo thì việc gì cũng thành công!"},
        ],
        "status": "show",
        "comment": "show",
    }
    payload.update(overrides)
    return payload


def publish(emu: ZaloEmulator, token: str, cover_url: str, **overrides: Any) -> str:
    created = oa_post(emu, "/v2.0/article/create", token, article(cover_url, **overrides)).json()
    assert created["error"] == 0, created
    for _ in range(10):
        verified = oa_post(emu, "/v2.0/article/verify", token, {"token": created["data"]["token"]}).json()
        if verified["error"] == 0:
            article_id: str = verified["data"]["id"]
            return article_id
        assert verified["error"] == -214
    raise AssertionError("article never finished processing")


def broadcast_body(*article_ids: str) -> dict[str, Any]:
    elements = [{"media_type": "article", "attachment_id": article_id} for article_id in article_ids]
    return {
        "recipient": {"target": {}},
        "message": {"attachment": {"type": "template", "payload": {"template_type": "media", "elements": elements}}},
    }


# ---------------------------------------------------------------------------------------------- OAuth


def test_refresh_token_is_single_use_and_rotates(zalo: ZaloEmulator) -> None:
    first = refresh(zalo, "RT-initial")
    assert set(first) == {"access_token", "refresh_token", "expires_in"}
    assert first["expires_in"] == "90000"  # a string, as Zalo sends it
    assert first["access_token"] in zalo.access_tokens
    assert zalo.refresh_tokens == {first["refresh_token"]}

    reused = refresh(zalo, "RT-initial")
    assert reused["error"] == OAUTH_INVALID_REFRESH_TOKEN == -14014
    assert reused["error_name"] == "Invalid refresh token."
    assert {"error_reason", "error_description", "ref_doc"} <= set(reused)
    assert "access_token" not in reused

    second = refresh(zalo, first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    assert first["refresh_token"] not in zalo.refresh_tokens
    assert zalo.used_refresh_tokens == ["RT-initial", "RT-initial", first["refresh_token"]]
    assert zalo.refresh_calls == 3
    # The previous access token stays valid until its own expiry.
    assert oa_get(zalo, "/v2.0/oa/getoa", first["access_token"]).json()["error"] == 0


def test_token_endpoint_checks_app_secret_app_id_and_body(zalo: ZaloEmulator) -> None:
    assert refresh(zalo, "RT-initial", secret="wrong")["error"] == OAUTH_INVALID_SECRET_KEY
    assert refresh(zalo, "RT-initial", app_id="1111")["error"] == OAUTH_INVALID_APP_ID == -14002
    unknown_grant = token_request(zalo, {"grant_type": "client_credentials"})
    assert unknown_grant["error"] == OAUTH_INVALID_PARAM
    as_json = requests.post(
        f"{zalo.url}/v4/oa/access_token",
        json={"app_id": zalo.app_id, "refresh_token": "RT-initial", "grant_type": "refresh_token"},
        headers={"secret_key": zalo.app_secret},
        timeout=TIMEOUT,
    ).json()
    assert as_json["error"] == OAUTH_INVALID_PARAM
    # None of the rejected calls spent the refresh token.
    assert zalo.refresh_tokens == {"RT-initial"}
    assert "access_token" in refresh(zalo, "RT-initial")


def test_refresh_token_expires_after_three_months(zalo: ZaloEmulator, clock: FakeClock) -> None:
    clock.advance(91 * 86400)
    assert refresh(zalo, "RT-initial")["error"] == -14014


def test_authorization_code_with_pkce_s256(zalo: ZaloEmulator, clock: FakeClock) -> None:
    verifier = secrets.token_urlsafe(48)
    code = zalo.issue_authorization_code(pkce_challenge(verifier))
    assert code == "AUTH-CODE-1"
    grant = {"code": code, "grant_type": "authorization_code"}

    wrong = token_request(zalo, {**grant, "code_verifier": "not-the-verifier"})
    assert wrong["error"] == OAUTH_INVALID_CODE_VERIFIER
    assert wrong["error_name"] == "Invalid code verifier"

    pair = token_request(zalo, {**grant, "code_verifier": verifier})
    assert pair["expires_in"] == "90000"
    assert pair["refresh_token"] in zalo.refresh_tokens
    assert oa_get(zalo, "/v2.0/oa/getoa", pair["access_token"]).json()["error"] == 0

    again = token_request(zalo, {**grant, "code_verifier": verifier})
    assert again["error"] == OAUTH_INVALID_CODE

    late = zalo.issue_authorization_code(pkce_challenge(verifier))
    clock.advance(600)
    assert token_request(zalo, {"code": late, "grant_type": "authorization_code", "code_verifier": verifier})[
        "error"
    ] == (OAUTH_INVALID_CODE)


def test_consent_link_redirects_to_the_console_callback(clock: FakeClock) -> None:
    callback = "https://danvan.example/zalo/callback"
    with ZaloEmulator(clock=clock.seconds, redirect_uri=callback) as zalo:
        verifier = secrets.token_urlsafe(48)
        params = {"app_id": zalo.app_id, "redirect_uri": callback, "code_challenge": pkce_challenge(verifier)}
        consent = requests.get(
            f"{zalo.url}/v4/oa/permission", params={**params, "state": "xyz"}, allow_redirects=False, timeout=TIMEOUT
        )
        assert consent.status_code == 302
        location = urlsplit(consent.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == callback
        answer = {k: v[0] for k, v in parse_qs(location.query).items()}
        assert answer["oa_id"] == zalo.oa_id and answer["state"] == "xyz"
        pair = token_request(
            zalo, {"code": answer["code"], "grant_type": "authorization_code", "code_verifier": verifier}
        )
        assert "access_token" in pair

        other = requests.get(
            f"{zalo.url}/v4/oa/permission",
            params={**params, "redirect_uri": "https://elsewhere.example/cb"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert other.status_code == 200 and other.json()["error"] == OAUTH_INVALID_REDIRECT_URI


# ---------------------------------------------------------------------------------------------- access tokens


def test_access_token_expiry_answers_220_or_216(zalo: ZaloEmulator, clock: FakeClock) -> None:
    token = access_token(zalo)
    assert oa_get(zalo, "/v2.0/oa/getoa", token).json()["error"] == 0
    clock.advance(90000)
    expired = oa_get(zalo, "/v2.0/oa/getoa", token)
    assert expired.status_code == 200
    assert expired.json() == {"error": -220, "message": "Access token has expired or has been removed", "data": {}}

    fresh = refresh(zalo, next(iter(zalo.refresh_tokens)))["access_token"]
    zalo.expire_access_tokens(code=-216)
    assert fresh not in zalo.access_tokens
    assert oa_get(zalo, "/v2.0/oa/getoa", fresh).json()["error"] == -216
    newest = refresh(zalo, next(iter(zalo.refresh_tokens)))["access_token"]
    zalo.expire_access_tokens()  # default: -220
    assert oa_get(zalo, "/v2.0/oa/getoa", newest).json()["error"] == -220
    assert oa_get(zalo, "/v2.0/oa/getoa", fresh).json()["error"] == -216


def test_access_token_only_accepted_in_the_header(zalo: ZaloEmulator) -> None:
    token = access_token(zalo)
    in_query = requests.get(f"{zalo.url}/v2.0/oa/getoa", params={"access_token": token}, timeout=TIMEOUT)
    assert in_query.status_code == 200 and in_query.json()["error"] == -216
    both = requests.get(
        f"{zalo.url}/v2.0/oa/getoa", params={"access_token": token}, headers={"access_token": token}, timeout=TIMEOUT
    )
    assert both.json()["error"] == -216
    bearer = requests.get(f"{zalo.url}/v2.0/oa/getoa", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert bearer.json()["error"] == -216
    assert oa_get(zalo, "/v2.0/oa/getoa", None).json()["error"] == -216
    assert oa_get(zalo, "/v2.0/oa/getoa", "AT-unknown").json()["error"] == -216
    assert oa_get(zalo, "/v2.0/oa/getoa", token).json()["error"] == 0

    leaked = [r for r in zalo.requests if token in r.raw_path]
    assert len(leaked) == 2
    assert zalo.requests[-1].header("access_token") == token


def test_appsecret_proof(clock: FakeClock) -> None:
    with ZaloEmulator(clock=clock.seconds, require_appsecret_proof=True) as zalo:
        token = access_token(zalo)
        missing = oa_get(zalo, "/v2.0/oa/getoa", token).json()
        assert missing["error"] == -242
        wrong = oa_post(zalo, "/v2.0/article/remove", token, {"id": "x"}, appsecret_proof="00" * 32).json()
        assert wrong["error"] == -242
        proof = zalo.appsecret_proof(token)
        good = requests.get(
            f"{zalo.url}/v2.0/oa/getoa", headers={"access_token": token, "appsecret_proof": proof}, timeout=TIMEOUT
        )
        assert good.json()["error"] == 0
    with ZaloEmulator(clock=clock.seconds) as optional:
        token = access_token(optional)
        assert oa_get(optional, "/v2.0/oa/getoa", token).json()["error"] == 0
        bad = requests.get(
            f"{optional.url}/v2.0/oa/getoa", headers={"access_token": token, "appsecret_proof": "bad"}, timeout=TIMEOUT
        )
        assert bad.json()["error"] == -242


# ---------------------------------------------------------------------------------------------- upload


def test_upload_image_limits(zalo: ZaloEmulator) -> None:
    token = access_token(zalo)
    url = f"{zalo.url}/v2.0/oa/upload/image"
    headers = {"access_token": token}

    def upload(name: str, data: bytes, field: str = "file") -> dict[str, Any]:
        response = requests.post(url, files={field: (name, data)}, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result

    ok = upload("card.png", PNG)
    assert ok["error"] == 0 and ok["message"] == "Success"
    assert zalo.uploads[0].attachment_id == ok["data"]["attachment_id"]
    assert zalo.uploads[0].content_type == "image/png"
    assert upload("card.jpg", JPEG)["error"] == 0
    assert upload("card.gif", b"GIF89a" + b"\x00" * 50)["error"] == -201  # by content, not name
    assert upload("card.jpg", JPEG[:4] + b"\x00" * MAX_IMAGE_BYTES)["error"] == -210
    assert upload("card.jpg", JPEG, field="image")["error"] == -201
    assert len(zalo.uploads) == 2
    assert zalo.requests[-1].files["image"].filename == "card.jpg"


# ---------------------------------------------------------------------------------------------- articles


def test_article_create_fetches_images_and_polls_until_processed(
    zalo: ZaloEmulator, static: StaticServer, clock: FakeClock
) -> None:
    zalo.processing_polls = 2
    token = access_token(zalo)
    cover = static.url_for("card.jpg")
    payload = article(
        cover, body=[{"type": "image", "url": static.url_for("card.png")}, {"type": "text", "content": "x"}]
    )
    created = oa_post(zalo, "/v2.0/article/create", token, payload).json()
    assert created["error"] == 0 and set(created["data"]) == {"token"}
    stored = zalo.articles[0]
    assert stored.cover_image == JPEG and stored.cover_fetch_error is None
    assert stored.body_images == {static.url_for("card.png"): PNG}
    assert static.requests == ["/card.jpg", "/card.png"]

    job = {"token": created["data"]["token"]}
    assert oa_get(zalo, "/v2.0/article/getslice", token, offset=0, limit=10).json()["data"]["total"] == 0
    for _ in range(2):
        processing = oa_post(zalo, "/v2.0/article/verify", token, job)
        assert processing.status_code == 200
        assert processing.json() == {"error": -214, "message": "Article is being processed", "data": {}}
    done = oa_post(zalo, "/v2.0/article/verify", token, job).json()
    assert done["data"] == {"id": stored.id}
    assert oa_post(zalo, "/v2.0/article/verify", token, job).json()["data"] == {"id": stored.id}
    assert oa_post(zalo, "/v2.0/article/verify", token, {"token": "nope"}).json()["error"] == -201

    detail = oa_get(zalo, "/v2.0/article/getdetail", token, id=stored.id).json()["data"]
    assert detail["title"] == payload["title"] and detail["status"] == "show"
    assert detail["cover"]["photo_url"] == cover
    assert detail["create_date"] == int(clock.seconds() * 1000)


def test_article_defaults_to_hidden(zalo: ZaloEmulator, static: StaticServer) -> None:
    token = access_token(zalo)
    payload = article(static.url_for("card.jpg"))
    del payload["status"], payload["comment"]
    created = oa_post(zalo, "/v2.0/article/create", token, payload).json()
    assert created["error"] == 0
    assert zalo.articles[-1].status == "hide" and zalo.articles[-1].comment == "show"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "a" * 151}, "title"),
        ({"title": ""}, "title"),
        ({"author": "b" * 51}, "author"),
        ({"author": ""}, "author"),
        ({"description": "c" * 301}, "description"),
        ({"cover": None}, "cover"),
        ({"cover": {"cover_type": "photo", "status": "show"}}, "cover.photo_url"),
        ({"cover": {"cover_type": "photo", "photo_url": "COVER", "status": "visible"}}, "cover.status"),
        ({"body": []}, "body"),
        ({"body": [{"type": "text"}]}, "body[0].content"),
        ({"body": [{"type": "gallery"}]}, "body[0].type"),
        ({"status": "public"}, "status"),
        ({"comment": "on"}, "comment"),
        ({"type": "story"}, "type"),
    ],
)
def test_article_field_violations_name_the_field(
    zalo: ZaloEmulator, static: StaticServer, overrides: dict[str, Any], field: str
) -> None:
    token = access_token(zalo)
    payload = article(static.url_for("card.jpg"), **overrides)
    if isinstance(payload["cover"], dict) and payload["cover"].get("photo_url") == "COVER":
        payload["cover"]["photo_url"] = static.url_for("card.jpg")
    if payload["cover"] is None:
        del payload["cover"]
    answer = oa_post(zalo, "/v2.0/article/create", token, payload)
    assert answer.status_code == 200
    result = answer.json()
    assert result["error"] == -201 and result["data"] == {}
    assert field in result["message"]
    assert zalo.articles == []


def test_title_length_is_counted_in_nfc(zalo: ZaloEmulator, static: StaticServer) -> None:
    token = access_token(zalo)
    decomposed = unicodedata.normalize("NFD", "ệ" * 150)  # 450 code points, 150 characters in NFC
    assert len(decomposed) > 150
    assert (
        oa_post(zalo, "/v2.0/article/create", token, article(static.url_for("card.jpg"), title=decomposed)).json()[
            "error"
        ]
        == 0
    )
    too_long = unicodedata.normalize("NFD", "ệ" * 151)
    answer = oa_post(zalo, "/v2.0/article/create", token, article(static.url_for("card.jpg"), title=too_long)).json()
    assert answer["error"] == -201 and "title" in answer["message"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing.jpg", "HTTP 404"),
        ("notes.txt", "Content-Type text/plain"),
        ("fake.jpg", "not a JPG or PNG"),
        ("big.jpg", "larger than 1MB"),
    ],
)
def test_unfetchable_cover_is_rejected(zalo: ZaloEmulator, static: StaticServer, name: str, reason: str) -> None:
    token = access_token(zalo)
    payload = article(static.url_for(name), body=[{"type": "text", "content": "x"}])
    result = oa_post(zalo, "/v2.0/article/create", token, payload).json()
    assert result["error"] == -201
    assert result["message"].startswith("Photo url is invalid: cover.photo_url")
    assert reason in result["message"]
    assert zalo.articles == [] and zalo.fetches[-1].error is not None


def test_image_urls_must_be_https_unless_loopback(zalo: ZaloEmulator) -> None:
    token = access_token(zalo)
    result = oa_post(zalo, "/v2.0/article/create", token, article("http://cards.example.org/card.jpg")).json()
    assert result["error"] == -201 and "https" in result["message"]


def test_article_api_needs_a_verified_oa_on_a_package(zalo: ZaloEmulator, static: StaticServer) -> None:
    token = access_token(zalo)
    zalo.package = "Basic"
    assert oa_post(zalo, "/v2.0/article/create", token, article(static.url_for("card.jpg"))).json()["error"] == -224
    zalo.package, zalo.verified = "Premium", False
    assert oa_post(zalo, "/v2.0/article/create", token, article(static.url_for("card.jpg"))).json()["error"] == -221


def test_getslice_lists_newest_first_with_counters(zalo: ZaloEmulator, static: StaticServer, clock: FakeClock) -> None:
    zalo.processing_polls = 0
    token = access_token(zalo)
    ids = []
    for index in range(3):
        ids.append(publish(zalo, token, static.url_for("card.jpg"), title=f"Khẩu hiệu {index}"))
        clock.advance(60)
    zalo.set_counters(ids[1], total_view=321, total_share=12)

    first_page = oa_get(zalo, "/v2.0/article/getslice", token, offset=0, limit=2, type="normal")
    assert first_page.status_code == 200
    assert first_page.headers["X-RateLimit-Limit"] == "4000"
    data = first_page.json()["data"]
    assert data["total"] == 3
    assert [m["id"] for m in data["medias"]] == [ids[2], ids[1]]
    item = data["medias"][1]
    assert {
        "id",
        "type",
        "title",
        "status",
        "total_view",
        "total_share",
        "create_date",
        "update_date",
        "thumb",
        "link_view",
    } <= set(item)
    assert (item["total_view"], item["total_share"]) == (321, 12)
    assert item["create_date"] == int((DAYTIME.timestamp() + 60) * 1000)
    assert item["thumb"] == static.url_for("card.jpg")
    second_page = oa_get(zalo, "/v2.0/article/getslice", token, offset=2, limit=2).json()["data"]
    assert [m["id"] for m in second_page["medias"]] == [ids[0]]

    over = oa_get(zalo, "/v2.0/article/getslice", token, offset=0, limit=11).json()
    assert over["error"] == -210

    removed = oa_post(zalo, "/v2.0/article/remove", token, {"id": ids[0]}).json()
    assert removed["error"] == 0
    assert oa_get(zalo, "/v2.0/article/getslice", token, offset=0, limit=10).json()["data"]["total"] == 2
    assert oa_get(zalo, "/v2.0/article/getdetail", token, id=ids[0]).json()["error"] == -201
    assert oa_post(zalo, "/v2.0/article/remove", token, {"id": ids[0]}).json()["error"] == -201


def test_getoa(zalo: ZaloEmulator) -> None:
    data = oa_get(zalo, "/v2.0/oa/getoa", access_token(zalo)).json()["data"]
    assert data["oa_id"] == "579745863508352884"
    assert data["name"] == "Ban Dân vận Tỉnh ủy Bắc Giang"
    assert data["num_follower"] == 1234 and data["is_verified"] is True and data["package_name"] == "Premium"
    assert "package_valid_through_date" in data


# ---------------------------------------------------------------------------------------------- broadcast


def test_broadcast_and_night_window(zalo: ZaloEmulator, static: StaticServer, clock: FakeClock) -> None:
    zalo.processing_polls = 0
    token = access_token(zalo)
    article_id = publish(zalo, token, static.url_for("card.jpg"))

    sent = oa_post(zalo, "/v2.0/oa/message", token, broadcast_body(article_id)).json()
    assert sent["error"] == 0 and sent["data"]["message_id"]
    assert zalo.broadcasts[0]["article_ids"] == [article_id]
    assert zalo.broadcasts[0]["message_id"] == sent["data"]["message_id"]

    for hour, minute in [(22, 0), (23, 30), (0, 0), (5, 59)]:
        clock.set_local(hour, minute)
        night = oa_post(zalo, "/v2.0/oa/message", token, broadcast_body(article_id)).json()
        assert night["error"] == -234, (hour, minute)
    clock.set_local(6, 0)
    assert oa_post(zalo, "/v2.0/oa/message", token, broadcast_body(article_id)).json()["error"] == 0
    clock.set_local(21, 59)
    assert oa_post(zalo, "/v2.0/oa/message", token, broadcast_body(article_id)).json()["error"] == 0
    assert len(zalo.broadcasts) == 3


def test_broadcast_rules(zalo: ZaloEmulator, static: StaticServer) -> None:
    zalo.processing_polls = 0
    token = access_token(zalo)
    article_id = publish(zalo, token, static.url_for("card.jpg"))

    assert oa_post(zalo, "/v2.0/oa/message", token, broadcast_body(*[article_id] * 6)).json()["error"] == -210
    assert oa_post(zalo, "/v2.0/oa/message", token, broadcast_body("unknown")).json()["error"] == -201
    one_to_one = {"recipient": {"user_id": "123"}, "message": {"text": "xin chào"}}
    assert oa_post(zalo, "/v2.0/oa/message", token, one_to_one).json()["error"] == -240

    zalo.fail_next(Fault.error(-218), path="/v2.0/oa/message")
    quota = oa_post(zalo, "/v2.0/oa/message", token, broadcast_body(article_id))
    assert quota.status_code == 200 and quota.json()["error"] == -218
    zalo.verified = False
    assert oa_post(zalo, "/v2.0/oa/message", token, broadcast_body(article_id)).json()["error"] == -221
    zalo.verified, zalo.package = True, ""
    assert oa_post(zalo, "/v2.0/oa/message", token, broadcast_body(article_id)).json()["error"] == -224
    assert zalo.broadcasts == []


# ---------------------------------------------------------------------------------------------- faults and transport


def test_error_faults_use_the_http_200_envelope(zalo: ZaloEmulator) -> None:
    token = access_token(zalo)
    zalo.fail_next(Fault.error(-32), times=2, path="/v2.0/oa/getoa")
    for _ in range(2):
        limited = oa_get(zalo, "/v2.0/oa/getoa", token)
        assert limited.status_code == 200
        assert limited.json()["error"] == -32 and limited.json()["data"] == {}
        assert "X-RateLimit-Remain" in limited.headers
    assert oa_get(zalo, "/v2.0/oa/getoa", token).json()["error"] == 0

    zalo.fail_next(Fault.error(-14014, code_as_string=True), path="/v4/oa/access_token")
    oauth = refresh(zalo, next(iter(zalo.refresh_tokens)))
    assert oauth["error"] == "-14014" and oauth["error_name"] == "Invalid refresh token."


def test_transport_faults(zalo: ZaloEmulator) -> None:
    token = access_token(zalo)
    zalo.fail_next(Fault.http_status(502))
    proxy = oa_get(zalo, "/v2.0/oa/getoa", token)
    assert proxy.status_code == 502 and proxy.headers["Content-Type"].startswith("text/html")

    zalo.fail_next(Fault.connection_reset())
    with pytest.raises(requests.ConnectionError):
        oa_get(zalo, "/v2.0/oa/getoa", token)

    zalo.fail_next(Fault.delay(0.05))
    started = time.monotonic()
    assert oa_get(zalo, "/v2.0/oa/getoa", token).json()["error"] == 0
    assert time.monotonic() - started >= 0.05

    zalo.latency = 0.02
    started = time.monotonic()
    assert oa_get(zalo, "/v2.0/oa/getoa", token).json()["error"] == 0
    assert time.monotonic() - started >= 0.02
    zalo.latency = 0.0


def test_lost_refresh_response_still_consumes_the_token(zalo: ZaloEmulator) -> None:
    zalo.fail_next(Fault.connection_reset(after_processing=True), path="/v4/oa/access_token")
    with pytest.raises(requests.ConnectionError):
        refresh(zalo, "RT-initial")
    assert "RT-initial" not in zalo.refresh_tokens and len(zalo.refresh_tokens) == 1

    zalo.fail_next(Fault.empty_body(), path="/v4/oa/access_token")
    empty = requests.post(
        f"{zalo.url}/v4/oa/access_token",
        data={"app_id": zalo.app_id, "refresh_token": "RT-initial", "grant_type": "refresh_token"},
        headers={"secret_key": zalo.app_secret},
        timeout=TIMEOUT,
    )
    assert empty.status_code == 200 and empty.content == b""


def test_refresh_without_new_refresh_token_keeps_the_old_one(zalo: ZaloEmulator) -> None:
    zalo.fail_next(Fault.omit_refresh_token(), path="/v4/oa/access_token")
    partial = refresh(zalo, "RT-initial")
    assert "refresh_token" not in partial and partial["access_token"] in zalo.access_tokens
    assert zalo.refresh_tokens == {"RT-initial"}
    assert "refresh_token" in refresh(zalo, "RT-initial")


def test_rate_limit_headers_and_minute_window(clock: FakeClock) -> None:
    with ZaloEmulator(clock=clock.seconds, rate_limit=2) as zalo:
        token = access_token(zalo)
        first = oa_get(zalo, "/v2.0/oa/getoa", token)
        assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remain"]) == ("2", "1")
        assert oa_get(zalo, "/v2.0/oa/getoa", token).headers["X-RateLimit-Remain"] == "0"
        assert oa_get(zalo, "/v2.0/oa/getoa", token).json()["error"] == -32
        clock.advance(60)
        assert oa_get(zalo, "/v2.0/oa/getoa", token).json()["error"] == 0


def test_unknown_paths_are_html_404(zalo: ZaloEmulator) -> None:
    token = access_token(zalo)
    for path in ("/v3.0/article/create", "/v2.0/nothing", "/v3.0/oa/upload/image"):
        answer = oa_post(zalo, path, token, {})
        assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("text/html")
    assert oa_get(zalo, "/v2.0/article/create", token).status_code == 404  # wrong method


def test_static_server_content_types(static: StaticServer) -> None:
    jpg = requests.get(static.url_for("card.jpg"), timeout=TIMEOUT)
    assert jpg.headers["Content-Type"] == "image/jpeg" and jpg.content == JPEG
    assert requests.get(static.url_for("card.png"), timeout=TIMEOUT).headers["Content-Type"] == "image/png"
    assert requests.get(static.url_for("missing.png"), timeout=TIMEOUT).status_code == 404


def test_stop_closes_the_port(clock: FakeClock) -> None:
    zalo = ZaloEmulator(clock=clock.seconds).start()
    session = requests.Session()
    assert session.post(f"{zalo.url}/v2.0/oa/getoa", timeout=TIMEOUT).status_code == 404  # keep-alive connection
    zalo.stop()
    zalo.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{zalo.url}/v2.0/oa/getoa", timeout=TIMEOUT)
    session.close()
