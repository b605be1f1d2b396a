"""The shared settings readers: every handler parses whole numbers the same way."""

from __future__ import annotations

import pytest

from lambdas.common.settings import SettingsError, whole_number


@pytest.mark.parametrize("raw, expected", [(None, 7), ("", 7), ("  ", 7), ("0", 0), (" 42 ", 42), ("100", 100)])
def test_whole_numbers_and_the_default(raw, expected):
    environ = {} if raw is None else {"N": raw}
    assert whole_number(environ, "N", 7, 0, 100) == expected


@pytest.mark.parametrize("raw", ["²", "٣", "1.5", "-1", "+1", "ten", "1e3", "9" * 5000, "101"])
def test_anything_else_is_a_settings_error_naming_the_variable(raw):
    with pytest.raises(SettingsError) as raised:
        whole_number({"N": raw}, "N", 7, 0, 100)
    assert str(raised.value).startswith("N ") and raw not in str(raised.value)
