"""The inbox's fixed-format time filters (core.templatetags.ui) say what Django's would."""

from __future__ import annotations

from datetime import UTC, datetime

from django.template.defaultfilters import date as django_date
from django.utils import timezone

from rapport.core.templatetags.ui import day_time, full_time, iso_time

MOMENT = datetime(2026, 3, 5, 17, 8, tzinfo=UTC)


def test_iso_time_is_djangos_c_format_in_the_current_time_zone():
    for zone in ("UTC", "Europe/Berlin", "America/New_York"):
        with timezone.override(zone):
            assert iso_time(MOMENT) == django_date(timezone.localtime(MOMENT), "c")


def test_full_and_day_time_read_as_the_local_moment():
    with timezone.override("Europe/Berlin"):
        assert full_time(MOMENT) == "Thu 5 Mar 2026, 18:08"
        assert day_time(MOMENT) == "Thu 5 Mar, 18:08"
        assert day_time(MOMENT) == django_date(timezone.localtime(MOMENT), "D j M, H:i")


def test_no_moment_shows_nothing():
    assert iso_time(None) == full_time(None) == day_time(None) == ""
