"""What a newcomer reads on the session pages (issue 20): help texts that render where the
inputs point, backup codes one per line, navigation a site can fill, one sentence where
there were two, a used recovery link that says so at once, and the login name kept when
the code step expired."""

import re

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory

from django_totp_native.services import devices, management

from .test_session_pages import PASSWORD, login_with_password, url

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.app.test_session_pages")]


def _verified_client(enrolled):
    client = Client()
    login_with_password(client, enrolled.user.get_username())
    assert client.post(url("verify"), {"code": enrolled.code()}).status_code == 302
    return client


def _described_ids_exist(html: str) -> list[str]:
    """Every id an input's aria-describedby names, checked to exist in the page."""
    ids = {i for value in re.findall(r'aria-describedby="([^"]+)"', html) for i in value.split()}
    assert ids, "no input carries aria-describedby"
    return sorted(i for i in ids if f'id="{i}"' not in html)


def test_the_code_page_renders_its_help_text_where_the_input_points(enrolled):
    client = Client()
    login_with_password(client, "alice")
    html = client.get(url("verify")).content.decode()
    assert _described_ids_exist(html) == []
    help_text = re.search(r'<p class="help" id="id_code_helptext">([^<]+)</p>', html).group(1)
    assert "backup codes" in help_text  # the field says it takes backup codes too


def test_a_refused_code_keeps_the_help_text_and_adds_the_error(enrolled):
    client = Client()
    login_with_password(client, "alice")
    html = client.post(url("verify"), {"code": "12"}).content.decode()
    assert 'aria-describedby="id_code_helptext id_code_errors"' in html
    assert _described_ids_exist(html) == []


def test_enrollment_and_step_up_pages_render_their_help_texts(enrolled, user, settings, make_user):
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True
    fresh = Client()
    fresh.force_login(make_user("newcomer"))
    assert _described_ids_exist(fresh.get(url("enroll")).content.decode()) == []
    client = _verified_client(enrolled)
    for name in ("regenerate", "disable"):
        assert _described_ids_exist(client.get(url(name)).content.decode()) == []


def test_new_backup_codes_are_one_per_line_and_never_split(enrolled):
    client = _verified_client(enrolled)
    html = client.post(url("regenerate")).content.decode()
    codes = re.findall(r"<li><code>([^<]+)</code></li>", html)
    assert len(codes) == 10 and all(" " not in code for code in codes)
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert re.search(r"\.codes li \{[^}]*white-space: nowrap", style)
    # One column on a phone-sized screen (390 px is under 36rem).
    assert re.search(r"@media \(max-width: 36rem\) \{ \.codes \{ columns: 1; \} \}", style)


def test_the_base_template_offers_navigation_blocks_a_site_fills(user, rf):
    template = Template(
        '{% extends "django_totp_native/base.html" %}'
        '{% block nav_home %}<a href="/">HOME-LINK</a>{% endblock %}'
        '{% block nav_sign_out %}<form method="post" action="/logout/">SIGN-OUT</form>{% endblock %}'
    )
    request = rf.get("/")
    request.user = user
    html = template.render(Context({"user": user, "request": request}))
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", html, re.S).group(1)
    assert nav.index("HOME-LINK") < nav.index("Two-factor authentication") < nav.index("SIGN-OUT")


def test_the_manage_page_of_a_required_user_says_it_once(enrolled):
    management.require(enrolled.user)
    client = _verified_client(enrolled)
    sentence = "Your administrator requires two-factor authentication for your account"
    assert client.get(url("manage")).content.decode().count(sentence) == 1
    # Sent back from the disable page: still said once (no message repeating the page).
    page = client.get(url("disable"), follow=True).content.decode()
    assert page.count(sentence) == 1 and devices.is_enabled(enrolled.user)


def _recovery_link(client, mailoutbox, settings):
    settings.TOTP_RECOVERY_CONFIRM_URL = "/account/2fa/recovery/{uid}/{token}/"
    client.post(url("recovery"), {"email": "alice@example.com"})
    return re.search(r"(/account/2fa/recovery/[^/\s]+/[^/\s]+/)", mailoutbox[-1].body).group(1)


def test_a_used_recovery_link_says_it_has_expired_when_opened(enrolled, mailoutbox, settings):
    client = Client()
    link = _recovery_link(client, mailoutbox, settings)
    fresh = client.get(link).content.decode()
    assert 'name="password"' in fresh and "has expired" not in fresh
    assert client.post(link, {"password": PASSWORD}).status_code == 200
    assert not devices.is_enabled(enrolled.user)
    used = client.get(link).content.decode()
    assert "This recovery link is invalid or has expired" in used
    assert 'name="password"' not in used and f'href="{url("recovery")}"' in used


def test_an_altered_or_unknown_link_reads_the_same_as_a_used_one(enrolled, mailoutbox, settings):
    client = Client()
    link = _recovery_link(client, mailoutbox, settings)
    uid, token = link.rstrip("/").split("/")[-2:]
    expired = "This recovery link is invalid or has expired"
    altered = client.get(url("recovery_confirm", uid=uid, token=token[:-1] + ("a" if token[-1] != "a" else "b")))
    unknown = client.get(url("recovery_confirm", uid="OTk5OTk", token=token))
    assert expired in altered.content.decode() and expired in unknown.content.decode()
    assert altered.status_code == unknown.status_code == 200


def test_a_wrong_password_on_the_recovery_page_is_said_in_good_grammar(enrolled, mailoutbox, settings):
    client = Client()
    link = _recovery_link(client, mailoutbox, settings)
    page = client.post(link, {"password": "wrong"}).content.decode()
    assert "The provided credentials are invalid." in page
    assert "credentials is invalid" not in page


def test_the_login_name_is_offered_again_after_the_code_step_expired(enrolled, settings):
    settings.LOGIN_URL = "django_totp_native:login"
    client = Client()
    login_with_password(client, "alice")
    session = client.session
    pending = session["_totp_pending_login"]
    session["_totp_pending_login"] = {**pending, "token": pending["token"][:-2] + ("BB" if pending["token"].endswith("AA") else "AA")}
    session.save()
    response = client.post(url("verify"), {"code": enrolled.code()}, follow=True)
    html = response.content.decode()
    assert "Your sign-in expired" in html
    assert re.search(r'<input[^>]*name="username"[^>]*value="alice"', html)
    # Once: a later visit to the password page starts empty.
    again = client.get(url("login")).content.decode()
    assert not re.search(r'<input[^>]*name="username"[^>]*value=', again)


def test_a_login_with_a_backup_code_says_how_many_are_left(enrolled):
    client = Client()
    login_with_password(client, "alice", next_url="/account/2fa/")
    page = client.post(url("verify"), {"code": enrolled.backup_codes[0]}, follow=True).content.decode()
    assert "You used a backup code; it cannot be used again. You have 9 backup codes left." in page
