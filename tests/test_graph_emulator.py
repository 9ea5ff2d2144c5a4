"""The Graph API emulator itself, exercised over real HTTP so client tests can trust it."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from PIL import Image

from tests.conftest import FakeClock
from tests.emulators.graph import (
    GraphEmulator,
    connection_reset,
    created_then_error,
    created_then_timeout,
    graph_error,
    html_error,
    parse_multipart,
    policy_block,
    rate_limited,
)

V = "v25.0"
NOW = 1_634_259_605.0  # 2021-10-15T01:00:05+0000


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 16, 46)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def clock_start() -> dt.datetime:
    return dt.datetime.fromtimestamp(NOW, dt.UTC)


@pytest.fixture
def fb(graph: GraphEmulator) -> GraphEmulator:
    """The Graph emulator of conftest, under the short name these tests use."""
    return graph


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def auth(fb: GraphEmulator) -> dict[str, str]:
    return {"Authorization": f"OAuth {fb.token}"}


def publish(http: requests.Session, fb: GraphEmulator, caption: str = "Dân vận khéo", **data: Any) -> requests.Response:
    return http.post(
        f"{fb.url}/{V}/{fb.page_id}/photos",
        headers=auth(fb),
        data={"caption": caption, **data},
        files={"source": ("card.png", image_bytes(), "image/png")},
        timeout=5,
    )


def get(http: requests.Session, fb: GraphEmulator, path: str, **params: Any) -> requests.Response:
    return http.get(f"{fb.url}/{V}/{path}", headers=auth(fb), params=params, timeout=5)


def error_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error["fbtrace_id"] == response.headers["x-fb-trace-id"]
    return error


# ------------------------------------------------------------------------------------------------ publishing


def test_publish_png_multipart_then_listed(fb: GraphEmulator, http: requests.Session) -> None:
    png = image_bytes()
    caption = "Dân vận khéo thì việc gì cũng thành công! 🇻🇳"
    response = http.post(
        f"{fb.url}/{V}/{fb.page_id}/photos",
        headers=auth(fb),
        data={"caption": caption, "alt_text_custom": "Khẩu hiệu đỏ"},
        files={"source": ("card.png", png, "image/png")},
        timeout=5,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert response.headers["x-fb-trace-id"]
    body = response.json()
    assert set(body) == {"id", "post_id"}
    assert body["id"].isdigit()
    assert re.fullmatch(rf"{fb.page_id}_\d+", body["post_id"])
    assert body["post_id"].split("_")[1] != body["id"]  # a client mixing up photo id and post id gets caught

    [post] = fb.posts
    assert (post.photo_id, post.post_id) == (body["id"], body["post_id"])
    assert post.image == png and post.image_type == "png"
    assert post.caption == caption and post.alt_text == "Khẩu hiệu đỏ"
    assert post.published and post.created_time == NOW

    [recorded] = fb.requests
    assert recorded.token_source == "header" and "access_token" not in recorded.query
    assert recorded.file_fields == {"source": png}
    assert recorded.files["source"].filename == "card.png"
    assert recorded.form["caption"] == caption
    assert recorded.headers["authorization"] == recorded.headers["Authorization"]

    listed = get(http, fb, f"{fb.page_id}/posts", fields="id,message,created_time,is_published").json()
    assert listed["data"] == [
        {"id": body["post_id"], "message": caption, "created_time": "2021-10-15T01:00:05+0000", "is_published": True}
    ]
    assert "next" not in listed["paging"]


def test_publish_jpeg_url_message_alias_and_token_places(fb: GraphEmulator, http: requests.Session) -> None:
    jpeg = image_bytes("JPEG")
    bearer = http.post(
        f"{fb.url}/{V}/{fb.page_id}/photos",
        headers={"Authorization": f"Bearer {fb.token}"},
        data={"message": "deprecated caption param"},
        files={"anything": ("c.jpg", jpeg, "image/jpeg")},
        timeout=5,
    )
    assert bearer.status_code == 200, bearer.text
    form = http.post(
        f"{fb.url}/{V}/{fb.page_id}/photos",
        data={"access_token": fb.token, "url": "https://example.org/card.jpg", "caption": "from url"},
        timeout=5,
    )
    assert form.status_code == 200, form.text
    query = http.get(f"{fb.url}/{V}/me", params={"access_token": fb.token}, timeout=5)
    assert query.json() == {"id": fb.page_id, "name": fb.page_name}
    assert [(p.caption, p.image_type) for p in fb.posts] == [("deprecated caption param", "jpeg"), ("from url", "url")]
    assert fb.posts[1].image_url == "https://example.org/card.jpg"
    assert [r.token_source for r in fb.requests] == ["header", "form", "query"]
    assert fb.requests[2].query["access_token"] == [fb.token]


@pytest.mark.parametrize(
    ("files", "data", "code", "message"),
    [
        ({"source": ("x.png", b"not an image at all", "image/png")}, {}, 324, "(#324) Missing or invalid image file"),
        (
            {"source": ("x.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024), "image/png")},
            {},
            324,
            "invalid image",
        ),
        ({}, {}, 324, "(#324) Requires upload file"),
        ({"source": ("x.png", image_bytes(), "image/png")}, {"url": "https://e.org/a.png"}, 100, "Exactly one"),
        ({}, {"url": "ftp://e.org/a.png"}, 100, "valid URL"),
        ({"source": ("x.png", image_bytes(), "image/png")}, {"published": "maybe"}, 100, "boolean"),
    ],
)
def test_publish_rejections_create_nothing(
    fb: GraphEmulator, http: requests.Session, files: dict[str, Any], data: dict[str, str], code: int, message: str
) -> None:
    response = http.post(
        f"{fb.url}/{V}/{fb.page_id}/photos", headers=auth(fb), data={"caption": "x", **data}, files=files, timeout=5
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == code and message in error["message"]
    assert error["type"] == "OAuthException"
    assert fb.posts == []


def test_scheduling_window_and_publication(fb: GraphEmulator, http: requests.Session, clock: FakeClock) -> None:
    def schedule(delta: float, published: str = "false") -> requests.Response:
        return publish(http, fb, "lịch", published=published, scheduled_publish_time=str(int(NOW + delta)))

    for bad in (5 * 60, 31 * 86400):
        response = schedule(bad)
        assert error_of(response)["code"] == 100
        assert "scheduled publish time is invalid" in error_of(response)["message"]
    assert error_of(schedule(3600, published="true"))["code"] == 100
    iso = publish(http, fb, "iso", published="false", scheduled_publish_time="2021-10-16T01:00:00+00:00")
    assert iso.status_code == 200, iso.text
    ok = schedule(3600)
    assert ok.status_code == 200 and set(ok.json()) == {"id", "post_id"}
    assert [p.published for p in fb.posts] == [False, False]

    assert get(http, fb, f"{fb.page_id}/posts").json() == {"data": []}
    feed = get(http, fb, f"{fb.page_id}/feed", fields="id,is_published,scheduled_publish_time").json()["data"]
    assert {row["id"]: row["is_published"] for row in feed} == {p.post_id: False for p in fb.posts}
    assert len(get(http, fb, f"{fb.page_id}/scheduled_posts").json()["data"]) == 2

    clock.set_seconds(NOW + 3601)  # the first slot has come
    posts = get(http, fb, f"{fb.page_id}/posts").json()["data"]
    assert [row["id"] for row in posts] == [ok.json()["post_id"]]

    unpublished = publish(http, fb, "for attached_media", published="false")
    assert set(unpublished.json()) == {"id"}  # not a Page post, so no post_id
    assert len(get(http, fb, f"{fb.page_id}/feed").json()["data"]) == 2


def test_feed_post_with_attached_media(fb: GraphEmulator, http: requests.Session) -> None:
    photo_id = publish(http, fb, "", published="false").json()["id"]
    response = http.post(
        f"{fb.url}/{V}/{fb.page_id}/feed",
        headers=auth(fb),
        data={"message": "nhiều ảnh", "attached_media[0]": json.dumps({"media_fbid": photo_id})},
        timeout=5,
    )
    assert set(response.json()) == {"id"}
    [post] = fb.posts
    assert (post.post_id, post.photo_id, post.caption, post.kind) == (
        response.json()["id"],
        photo_id,
        "nhiều ảnh",
        "feed",
    )
    empty = http.post(f"{fb.url}/{V}/{fb.page_id}/feed", headers=auth(fb), data={}, timeout=5)
    assert error_of(empty)["code"] == 100


def test_wrong_page_and_missing_permission(clock: FakeClock, http: requests.Session) -> None:
    with GraphEmulator(clock=clock.seconds, scopes=("pages_show_list",)) as fb:
        other = http.post(
            f"{fb.url}/{V}/424242/photos", headers=auth(fb), files={"source": ("a.png", image_bytes())}, timeout=5
        )
        assert error_of(other)["code"] == 100 and error_of(other)["error_subcode"] == 33
        assert "Object with ID '424242' does not exist" in error_of(other)["message"]
        denied = publish(http, fb)
        assert error_of(denied)["code"] == 200 and "pages_manage_posts" in error_of(denied)["message"]
        assert error_of(get(http, fb, f"{fb.page_id}/feed"))["code"] == 10
        assert fb.posts == []


# ------------------------------------------------------------------------------------------------ reading


def test_paging_since_until_and_limit(fb: GraphEmulator, http: requests.Session) -> None:
    for n in range(30):
        fb.add_post(f"post {n}", created_time=NOW - 3600 * n)
    first = get(http, fb, f"{fb.page_id}/posts", limit=10).json()
    assert [row["message"] for row in first["data"]] == [f"post {n}" for n in range(10)]
    next_url = first["paging"]["next"]
    assert next_url.startswith(fb.url) and "access_token" not in next_url
    second = http.get(next_url, headers=auth(fb), timeout=5).json()
    assert [row["message"] for row in second["data"]] == [f"post {n}" for n in range(10, 20)]
    assert "previous" in second["paging"]

    with_query_token = http.get(
        f"{fb.url}/{V}/{fb.page_id}/feed", params={"access_token": fb.token, "limit": "25"}, timeout=5
    ).json()
    assert "access_token=" in with_query_token["paging"]["next"]  # Meta echoes a query token into paging links
    assert len(with_query_token["data"]) == 25

    window = get(http, fb, f"{fb.page_id}/posts", since=int(NOW - 3600 * 2), until="2021-10-15T01:00:05+0000")
    assert [row["message"] for row in window.json()["data"]] == ["post 0", "post 1", "post 2"]
    too_many = get(http, fb, f"{fb.page_id}/posts", limit=101)
    assert error_of(too_many)["code"] == 100


def test_post_node_fields(fb: GraphEmulator, http: requests.Session) -> None:
    post_id = publish(http, fb, "một").json()["post_id"]
    fields = "id,message,created_time,permalink_url,shares,reactions.summary(true).limit(0),comments.summary(true)"
    plain = get(http, fb, post_id, fields=fields).json()
    assert plain["permalink_url"] == f"https://www.facebook.com/{post_id}"
    assert "shares" not in plain  # Meta omits shares until there are some
    assert plain["reactions"] == {"data": [], "summary": {"total_count": 0, "viewer_reaction": "NONE"}}
    fb.set_metrics(post_id, shares=3, comments=2, post_reactions_by_type_total={"like": 5, "love": 1})
    counted = get(http, fb, post_id, fields=fields).json()
    assert counted["shares"] == {"count": 3}
    assert counted["reactions"]["summary"]["total_count"] == 6
    assert counted["comments"]["summary"]["total_count"] == 2
    assert get(http, fb, post_id).json() == {
        "id": post_id,
        "message": "một",
        "created_time": "2021-10-15T01:00:05+0000",
    }
    bogus = get(http, fb, post_id, fields="id,bogus_field")
    assert (
        error_of(bogus)["message"] == "(#100) Tried accessing nonexisting field (bogus_field) on node type (PagePost)"
    )

    photo_id = fb.posts[0].photo_id
    assert get(http, fb, photo_id, fields="id,page_story_id").json() == {"id": photo_id, "page_story_id": post_id}
    deleted = http.delete(f"{fb.url}/{V}/{post_id}", headers=auth(fb), timeout=5)
    assert deleted.json() == {"success": True} and fb.posts == []


# ------------------------------------------------------------------------------------------------ insights


def test_insights_values_and_removed_metric(fb: GraphEmulator, http: requests.Session) -> None:
    post_id = publish(http, fb).json()["post_id"]
    fb.set_metrics(post_id, post_total_media_view_unique=120, post_media_view=300, post_clicks=7)
    ok = get(http, fb, f"{post_id}/insights", metric="post_total_media_view_unique,post_media_view", period="lifetime")
    assert ok.status_code == 200
    rows = ok.json()["data"]
    assert [(r["name"], r["period"], r["values"]) for r in rows] == [
        ("post_total_media_view_unique", "lifetime", [{"value": 120}]),
        ("post_media_view", "lifetime", [{"value": 300}]),
    ]
    assert rows[0]["id"] == f"{post_id}/insights/post_total_media_view_unique/lifetime"
    assert rows[0]["title"] and rows[0]["description"]

    dead = get(http, fb, f"{post_id}/insights", metric="post_media_view,post_impressions_unique")
    assert dead.status_code == 400
    assert error_of(dead)["code"] == 100
    assert error_of(dead)["message"] == "(#100) The value must be a valid insights metric"
    assert "post_impressions_unique" in fb.removed_metrics and "page_fans" in fb.removed_metrics

    one = get(http, fb, f"{post_id}/insights/post_clicks").json()["data"]
    assert one[0]["values"] == [{"value": 7}]
    unset = get(http, fb, f"{post_id}/insights", metric="post_reactions_by_type_total,post_reactions_love_total")
    assert [r["values"][0]["value"] for r in unset.json()["data"]] == [{}, 0]
    assert get(http, fb, f"{post_id}/insights", metric="post_media_view", period="day").json() == {"data": []}

    fb.removed_metrics.discard("post_impressions_unique")  # a test can bring a metric back
    fb.set_metrics(post_id, post_impressions_unique=99)
    revived = get(http, fb, f"{post_id}/insights/post_impressions_unique").json()["data"]
    assert revived[0]["values"] == [{"value": 99}]


def test_insights_errors(fb: GraphEmulator, http: requests.Session) -> None:
    body = publish(http, fb).json()
    none = error_of(get(http, fb, f"{body['post_id']}/insights"))
    assert (none["code"], none["error_subcode"]) == (3001, 1504028)
    missing = get(http, fb, f"{fb.page_id}_999/insights", metric="post_media_view")
    assert error_of(missing)["code"] == 100
    assert error_of(missing)["message"].startswith("Unsupported get request. Object with ID")
    assert error_of(missing)["type"] == "GraphMethodException"
    on_photo = get(http, fb, f"{body['id']}/insights", metric="post_media_view")
    assert error_of(on_photo)["code"] == 100  # insights are asked of the post id, not the photo id
    expanded = get(
        http, fb, f"{fb.page_id}/posts", fields="id,insights.metric(post_media_view,post_total_media_view_unique)"
    )
    assert [r["name"] for r in expanded.json()["data"][0]["insights"]["data"]] == [
        "post_media_view",
        "post_total_media_view_unique",
    ]
    assert error_of(get(http, fb, f"{fb.page_id}/posts", fields="insights.metric(post_impressions)"))["code"] == 100


# ------------------------------------------------------------------------------------------------ batch


def batch(http: requests.Session, fb: GraphEmulator, items: list[dict[str, Any]], **extra: str) -> requests.Response:
    return http.post(f"{fb.url}/{V}/", headers=auth(fb), data={"batch": json.dumps(items), **extra}, timeout=5)


def test_batch(fb: GraphEmulator, http: requests.Session) -> None:
    post_id = publish(http, fb).json()["post_id"]
    fb.set_metrics(post_id, post_media_view=300)
    fb.requests.clear()
    fb.fail_next(graph_error(2), path=r"/insights/post_clicks$")
    items = [
        {"method": "GET", "relative_url": f"{V}/{post_id}/insights?metric=post_media_view"},
        {"method": "GET", "relative_url": f"/{post_id}/insights?metric=post_impressions"},
        {"method": "GET", "relative_url": f"{post_id}/insights/post_clicks"},
        {"method": "GET", "relative_url": "me?fields=id,name"},
    ]
    response = batch(http, fb, items)
    assert response.status_code == 200
    results = response.json()
    assert [r["code"] for r in results] == [200, 400, 500, 200]
    assert {"name": "Content-Type", "value": "text/javascript; charset=UTF-8"} in results[0]["headers"]
    assert json.loads(results[0]["body"])["data"][0]["values"] == [{"value": 300}]
    assert json.loads(results[1]["body"])["error"]["code"] == 100
    assert json.loads(results[2]["body"])["error"]["code"] == 2
    assert json.loads(results[3]["body"]) == {"id": fb.page_id, "name": fb.page_name}
    assert [(r.in_batch, r.path) for r in fb.requests] == [
        (False, f"/{V}/"),
        (True, f"/{V}/{post_id}/insights"),
        (True, f"/{V}/{post_id}/insights"),
        (True, f"/{V}/{post_id}/insights/post_clicks"),
        (True, f"/{V}/me"),
    ]
    assert all(r.token_source == "batch" for r in fb.requests[1:])

    too_big = batch(http, fb, [{"method": "GET", "relative_url": "me"}] * 51)
    assert error_of(too_big)["message"] == "(#100) Too many requests in batch message. Maximum batch size is 50"
    assert len(batch(http, fb, [{"method": "GET", "relative_url": "me"}] * 50).json()) == 50
    without_headers = batch(http, fb, [{"method": "GET", "relative_url": "me"}], include_headers="false").json()
    assert set(without_headers[0]) == {"code", "body"}


def test_batch_publish_with_attached_file(fb: GraphEmulator, http: requests.Session) -> None:
    png = image_bytes()
    items = [
        {"method": "POST", "relative_url": f"{fb.page_id}/photos", "body": "caption=trong lô", "attached_files": "card"}
    ]
    response = http.post(
        f"{fb.url}/{V}/",
        headers=auth(fb),
        data={"batch": json.dumps(items)},
        files={"card": ("card.png", png, "image/png")},
        timeout=5,
    )
    [result] = response.json()
    assert result["code"] == 200 and set(json.loads(result["body"])) == {"id", "post_id"}
    assert fb.posts[0].image == png and fb.posts[0].caption == "trong lô"


def test_batch_sub_request_reset_and_timeout_hit_the_whole_call(fb: GraphEmulator, http: requests.Session) -> None:
    me = [{"method": "GET", "relative_url": "me"}]
    fb.fail_next(connection_reset(), path="/me$")
    with pytest.raises(requests.ConnectionError):
        batch(http, fb, me)
    fb.fail_next(created_then_timeout(30), path="/me$")
    with pytest.raises(requests.ReadTimeout):
        http.post(f"{fb.url}/{V}/", headers=auth(fb), data={"batch": json.dumps(me)}, timeout=0.1)
    assert batch(http, fb, me).json()[0]["code"] == 200


# ------------------------------------------------------------------------------------------------ tokens


def test_appsecret_proof_required_when_app_secret_set(clock: FakeClock, http: requests.Session) -> None:
    with GraphEmulator(clock=clock.seconds, app_secret="s3cret") as fb:
        missing = get(http, fb, "me")
        assert error_of(missing)["code"] == 100 and error_of(missing)["type"] == "GraphMethodException"
        assert "appsecret_proof" in error_of(missing)["message"]
        wrong = get(http, fb, "me", appsecret_proof="00" * 32)
        assert error_of(wrong)["message"] == "Invalid appsecret_proof provided in the API argument"
        proof = fb.appsecret_proof()
        assert get(http, fb, "me", appsecret_proof=proof).status_code == 200
        sub = batch(http, fb, [{"method": "GET", "relative_url": "me"}], appsecret_proof=proof)
        assert sub.json()[0]["code"] == 200  # sub-requests ride on the outer call's proof
        form_proof = publish(http, fb, appsecret_proof=proof)
        assert form_proof.status_code == 200


def test_missing_wrong_expired_and_invalidated_tokens(
    fb: GraphEmulator, http: requests.Session, clock: FakeClock
) -> None:
    for headers in ({}, {"Authorization": "OAuth nope"}):
        response = http.get(f"{fb.url}/{V}/me", headers=headers, timeout=5)
        error = error_of(response)
        assert (response.status_code, error["code"], error["type"]) == (400, 190, "OAuthException")
        assert "error_subcode" not in error
        assert error["message"] == "Invalid OAuth access token - Cannot parse access token"

    fb.invalidate_token()
    response = get(http, fb, "me")
    error = error_of(response)
    assert (response.status_code, error["code"], error["error_subcode"]) == (400, 190, 463)
    assert error["message"].startswith("Error validating access token: Session has expired")
    health = get(http, fb, "debug_token", input_token=fb.token).json()["data"]
    assert health["is_valid"] is False and health["error"]["code"] == 190 and health["error"]["subcode"] == 463
    by_app = http.get(
        f"{fb.url}/{V}/debug_token", params={"input_token": fb.token, "access_token": fb.app_token}, timeout=5
    )
    assert by_app.json()["data"]["is_valid"] is False

    with GraphEmulator(clock=clock.seconds, token_expires_at=int(NOW) + 60) as short:
        assert get(http, short, "me").status_code == 200
        clock.set_seconds(NOW + 61)
        assert error_of(get(http, short, "me"))["error_subcode"] == 463


def test_debug_token_and_me(fb: GraphEmulator, http: requests.Session) -> None:
    data = get(http, fb, "debug_token", input_token=fb.token).json()["data"]
    assert data["is_valid"] is True and data["type"] == "PAGE" and data["expires_at"] == 0
    assert data["profile_id"] == fb.page_id and data["application"] == "danvan-test"
    assert set(data["scopes"]) == {"pages_manage_posts", "pages_read_engagement", "pages_show_list", "read_insights"}
    assert {"scope": "pages_manage_posts", "target_ids": [fb.page_id]} in data["granular_scopes"]
    assert data["data_access_expires_at"] > NOW
    other = get(http, fb, "debug_token", input_token="someone-else").json()["data"]
    assert other["is_valid"] is False
    assert error_of(get(http, fb, "debug_token"))["code"] == 100
    assert get(http, fb, "me", fields="id,name").json() == {"id": fb.page_id, "name": "Ban Dân vận Tỉnh ủy Bắc Giang"}
    assert error_of(get(http, fb, "me/bogus"))["code"] == 100
    app_token_elsewhere = http.get(f"{fb.url}/{V}/me", params={"access_token": fb.app_token}, timeout=5)
    assert error_of(app_token_elsewhere)["code"] == 200


def test_versions(fb: GraphEmulator, http: requests.Session) -> None:
    for version in ("v19.0", "v22.0", "v99.0"):
        response = http.get(f"{fb.url}/{version}/me", headers=auth(fb), timeout=5)
        assert error_of(response)["code"] == 2635
    assert error_of(http.get(f"{fb.url}/me", headers=auth(fb), timeout=5))["code"] == 2635
    for version in fb.versions:
        response = http.get(f"{fb.url}/{version}/me", headers=auth(fb), timeout=5)
        assert response.status_code == 200 and response.headers["facebook-api-version"] == version


def test_unknown_paths(fb: GraphEmulator, http: requests.Session) -> None:
    assert error_of(get(http, fb, f"{fb.page_id}/bogus"))["code"] == 100
    assert error_of(get(http, fb, "987654321"))["error_subcode"] == 33
    assert error_of(get(http, fb, f"{fb.page_id}/posts/extra"))["code"] == 2500
    assert error_of(http.post(f"{fb.url}/{V}/", headers=auth(fb), timeout=5))["code"] == 100


# ------------------------------------------------------------------------------------------------ faults


def test_created_then_error_is_the_duplicate_trap(fb: GraphEmulator, http: requests.Session) -> None:
    fb.fail_next(created_then_error())
    response = publish(http, fb, "trap")
    assert response.status_code == 500
    error = error_of(response)
    assert (error["code"], error["is_transient"]) == (2, True)
    assert [p.caption for p in fb.posts] == ["trap"]  # ... and yet it was posted
    listed = get(http, fb, f"{fb.page_id}/feed", fields="id,message").json()["data"]
    assert listed == [{"id": fb.posts[0].post_id, "message": "trap"}]


def test_created_then_timeout(fb: GraphEmulator, http: requests.Session) -> None:
    fb.fail_next(created_then_timeout(30), path="/photos$")
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        http.post(
            f"{fb.url}/{V}/{fb.page_id}/photos",
            headers=auth(fb),
            data={"caption": "slow"},
            files={"source": ("c.png", image_bytes())},
            timeout=0.2,
        )
    assert time.monotonic() - started < 2
    assert [p.caption for p in fb.posts] == ["slow"]
    with requests.Session() as fresh:
        assert get(fresh, fb, f"{fb.page_id}/posts").json()["data"][0]["message"] == "slow"


def test_html_error_and_connection_reset_create_nothing(fb: GraphEmulator, http: requests.Session) -> None:
    fb.fail_next(html_error(502))
    response = publish(http, fb)
    assert response.status_code == 502 and response.headers["Content-Type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text
    fb.fail_next(connection_reset())
    with pytest.raises(requests.ConnectionError):
        publish(http, fb)
    assert fb.posts == []
    assert len(fb.requests) == 2  # both were received and recorded
    assert publish(http, fb).status_code == 200


def test_rate_limits_and_usage_headers(fb: GraphEmulator, http: requests.Session) -> None:
    plain = get(http, fb, "me")
    assert "X-App-Usage" not in plain.headers and "X-Business-Use-Case-Usage" not in plain.headers
    fb.set_usage(app={"call_count": 42, "total_cputime": 3, "total_time": 5}, buc={"call_count": 77})
    used = get(http, fb, "me")
    assert json.loads(used.headers["X-App-Usage"]) == {"call_count": 42, "total_cputime": 3, "total_time": 5}
    assert json.loads(used.headers["X-Business-Use-Case-Usage"]) == {
        fb.page_id: [
            {
                "type": "pages",
                "call_count": 77,
                "total_cputime": 0,
                "total_time": 0,
                "estimated_time_to_regain_access": 0,
            }
        ]
    }
    fb.set_usage()

    fb.fail_next(rate_limited(80001, eta_minutes=7))
    limited = get(http, fb, f"{fb.page_id}/posts")
    error = error_of(limited)
    assert (limited.status_code, error["code"]) == (400, 80001)
    assert "too many calls to this Page account" in error["message"]
    [usage] = json.loads(limited.headers["X-Business-Use-Case-Usage"])[fb.page_id]
    assert (usage["call_count"], usage["estimated_time_to_regain_access"]) == (100, 7)
    assert "Retry-After" not in limited.headers

    fb.fail_next(rate_limited(4, eta_minutes=1))
    app_limited = get(http, fb, "me")
    assert error_of(app_limited)["code"] == 4
    assert json.loads(app_limited.headers["X-App-Usage"])["call_count"] == 100
    assert get(http, fb, "me").status_code == 200


def test_policy_block_and_fault_matching(fb: GraphEmulator, http: requests.Session) -> None:
    fb.fail_next(policy_block(), path="/photos$", method="POST")
    fb.fail_next(graph_error(1), times=2, path="/posts$", method="GET")
    assert get(http, fb, "me").status_code == 200  # matches neither
    blocked = error_of(publish(http, fb))
    assert blocked["code"] == 368 and blocked["error_user_title"]
    for _ in range(2):
        response = get(http, fb, f"{fb.page_id}/posts")
        assert (response.status_code, error_of(response)["code"]) == (500, 1)
    assert get(http, fb, f"{fb.page_id}/posts").status_code == 200
    assert publish(http, fb).status_code == 200

    fb.fail_next(graph_error(190, 460, "Error validating access token: password changed"))
    custom = get(http, fb, "me")
    assert (custom.status_code, error_of(custom)["error_subcode"]) == (400, 460)


def test_latency(fb: GraphEmulator, http: requests.Session) -> None:
    fb.latency = 0.05
    started = time.monotonic()
    assert get(http, fb, "me").status_code == 200
    assert time.monotonic() - started >= 0.05
    fb.latency = 0.5
    with pytest.raises(requests.ReadTimeout):
        http.get(f"{fb.url}/{V}/me", headers=auth(fb), timeout=0.05)
    fb.latency = 0


# ------------------------------------------------------------------------------------------------ plumbing


def test_parse_multipart_binary_and_quoting() -> None:
    blob = b"\r\n--not-the-boundary\r\n\x00\xff\r\n"
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="caption"\r\n\r\n'
        b"D\xc3\xa2n v\xe1\xba\xadn\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="source"; filename="a \\"b\\".png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + blob + b"\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="raw"\r\nContent-Type: application/octet-stream\r\n\r\n'
        b"\x01\x02\r\n"
        b"--XyZ--\r\n"
    )
    fields, files = parse_multipart(body, 'multipart/form-data; boundary="XyZ"')
    assert fields == {"caption": "Dân vận"}
    assert files["source"].data == blob and files["source"].filename == 'a "b".png'
    assert files["raw"].data == b"\x01\x02" and files["raw"].filename is None


def test_stop_joins_threads_even_with_keepalive_connections(clock: FakeClock) -> None:
    before = threading.active_count()
    fb = GraphEmulator(clock=clock.seconds).start()
    session = requests.Session()
    assert get(session, fb, "me").status_code == 200  # leaves a kept-alive connection open
    fb.stop()
    fb.stop()  # idempotent
    assert threading.active_count() == before
    session.close()
