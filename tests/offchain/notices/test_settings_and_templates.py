"""The `notices:` settings refuse what they cannot use in one line naming the setting, links are https outside
the loopback, and an operator's template folder replaces the built-in templates (values HTML-escaped)."""

from __future__ import annotations

import pytest

from servicecoin.errors import ConfigError
from servicecoin.notices.settings import NoticeSettings
from servicecoin.notices.templates import render


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


@pytest.mark.parametrize("section, named", [
    ({"expiry_thresholds": ["30 days"]}, "expiry_thresholds"),
    ({"expiry_thresholds": []}, "expiry_thresholds"),
    ({"recent": True}, "recent"),
    ({"base_url": "http://shop.example/"}, "base_url"),
    ({"followups": {"webhook_url": "http://helpdesk.example/hook"}}, "webhook_url"),
    ({"followups": {"token": "x"}}, "followups"),
    ({"colour": "blue"}, "unknown setting 'colour'"),
])
def test_a_bad_setting_is_one_line_naming_it(section, named):
    with pytest.raises(ConfigError, match=named):
        NoticeSettings.from_config(section)


def test_links_are_https_except_on_the_loopback_of_a_local_network():
    assert NoticeSettings.from_config({"base_url": "https://points.shop.example"}).page_url(False) == \
        "https://points.shop.example/"
    with pytest.raises(ConfigError, match="base_url"):
        NoticeSettings().page_url(local=False)  # a live network needs the public URL
    assert NoticeSettings().page_url(local=True) == "http://127.0.0.1:8080/"
    with pytest.raises(ConfigError, match="https"):
        NoticeSettings.from_config({"base_url": "http://127.0.0.1:8080/"}).page_url(local=False)


def test_an_operators_template_replaces_the_built_in_one_and_values_are_escaped(tmp_path):
    (tmp_path / "rate.subject").write_text("Rate $ticket, please")
    (tmp_path / "rate.html").write_text("<p>Ticket <i>$ticket</i></p>")
    values = {"ticket": "<b>42</b>", "program": "Shop", "page": "https://p/", "unsubscribe": "https://p/#u"}
    subject, text, body = render("rate", values, tmp_path)
    assert subject == "Rate <b>42</b>, please" and "Ticket <i>&lt;b&gt;42&lt;/b&gt;</i>" in body
    assert "Please rate it" in text and "Stop all notices: https://p/#u" in text  # the built-in text, with the foot
    (tmp_path / "rate.txt").write_text("Ticket $tikket")
    with pytest.raises(ConfigError, match="template 'rate'.*tikket"):
        render("rate", values, tmp_path)
