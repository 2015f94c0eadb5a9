"""The web desk's safety pieces on their own: download names, rate limits, password hashes, CSRF/session signing."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltemplates.web.forms import client_file_name
from xltemplates.web.security import RateLimit, Signer, content_disposition
from xltemplates.web.users import hash_password, verify_password

HEADER = re.compile(r"attachment; filename=\"([A-Za-z0-9._-]+)\"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)")


@pytest.mark.parametrize(("name", "ascii_name", "real"), [
    ("001_测试单位_dept-overall_批注.xlsx", "001_dept-overall.xlsx", "001_测试单位_dept-overall_批注.xlsx"),
    ('a"b\r\nSet-Cookie: x=1.xlsx', "a_b_Set-Cookie_x_1.xlsx", "a_b_Set-Cookie_ x=1.xlsx"),
    ("../../etc/passwd", "etc_passwd", "_.._etc_passwd"),
    ("汇总.xlsx", "download.xlsx", "汇总.xlsx"),
])
def test_content_disposition__any_name__ascii_fallback_and_rfc5987_real_name(name: str, ascii_name: str, real: str) -> None:
    m = HEADER.fullmatch(content_disposition(name))
    assert m is not None
    assert (m.group(1), unquote(m.group(2))) == (ascii_name, real)


@settings(max_examples=60)
@given(st.text(max_size=80))
def test_content_disposition__arbitrary_text__always_one_well_formed_header_line(name: str) -> None:
    assert HEADER.fullmatch(content_disposition(name)) is not None


def test_client_file_name__windows_path_and_control_characters__last_part_printable() -> None:
    assert client_file_name("C:\\Users\\科员\\申报表\x07.xlsx") == "申报表.xlsx"
    assert client_file_name("") == "上传文件.xlsx"
    assert len(client_file_name("长" * 500)) == 200


def test_rate_limit__over_the_limit_refused_until_the_window_passes() -> None:
    now = [0.0]
    limit = RateLimit(2, 60.0, clock=lambda: now[0])
    assert [limit.allow("a"), limit.allow("a"), limit.allow("a"), limit.allow("b")] == [True, True, False, True]
    now[0] = 61.0
    assert limit.allow("a")


def test_password_hash__scrypt_salted_and_verified() -> None:
    h1, h2 = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert h1.startswith("scrypt$16384$8$1$") and h1 != h2
    assert verify_password("correct horse battery", h1) and not verify_password("correct horse batterY", h1)
    assert not verify_password("x", "not-a-hash") and not verify_password("x", "bcrypt$1$2$3$4$5")


def test_signer__signature_depends_on_key_and_text() -> None:
    a, b = Signer(b"k" * 32), Signer(b"j" * 32)
    assert a.valid("csrf|seed", a.sign("csrf|seed"))
    assert not a.valid("csrf|seed2", a.sign("csrf|seed")) and not b.valid("csrf|seed", a.sign("csrf|seed"))
