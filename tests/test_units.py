"""The official list of provinces and communes, and searching it (wardapp/commune/units.py)."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest

from wardapp.core import units


def names(found: list[units.Unit]) -> list[str]:
    return [u.name for u in found]


def test_it_lists_all_communes_of_all_provinces():
    all_units = units.all_units()
    assert len(all_units) == 3321
    assert len({u.province_code for u in all_units.values()}) == 34


@pytest.mark.parametrize(
    "province_code, province_name, count",
    [
        ("48", "Thành phố Đà Nẵng", 94),
        ("46", "Thành phố Huế", 40),
        ("01", "Thành phố Hà Nội", 126),
        ("79", "Thành phố Hồ Chí Minh", 168),
    ],
)
def test_it_knows_how_many_communes_a_province_has(province_code, province_name, count):
    in_province = [u for u in units.all_units().values() if u.province_code == province_code]
    assert len(in_province) == count
    assert {u.province_name for u in in_province} == {province_name}


def test_it_uses_two_digit_province_and_five_digit_commune_codes():
    for code, unit in units.all_units().items():
        assert code == unit.code
        assert len(code) == 5 and code.isdigit(), code
        assert len(unit.province_code) == 2 and unit.province_code.isdigit(), unit.province_code


def test_it_gives_each_province_one_name():
    provinces = Counter((u.province_code, u.province_name) for u in units.all_units().values())
    assert len({code for code, _ in provinces}) == len(provinces) == 34


def test_it_finds_phuong_hai_chau_by_code():
    unit = units.find("20242")
    assert unit is not None
    assert unit.name == "Phường Hải Châu"
    assert unit.province_code == "48"
    assert unit.province_name == "Thành phố Đà Nẵng"


def test_it_finds_a_code_typed_with_spaces_around_it():
    assert units.find(" 20242 ").name == "Phường Hải Châu"


@pytest.mark.parametrize("code", ["", None, "99999", "2024", "202420", "48"])
def test_it_finds_nothing_for_an_unknown_code(code):
    assert units.find(code) is None


def test_it_searches_by_code_prefix():
    found = units.search("202", limit=100)
    assert "20242" in [u.code for u in found]
    assert found and all(u.code.startswith("202") for u in found)


def test_it_finds_exactly_one_commune_for_a_full_code():
    assert names(units.search("20242")) == ["Phường Hải Châu"]


@pytest.mark.parametrize(
    "query",
    [
        "Hải Châu",
        "hai chau",
        "HAI CHAU",
        "  hai   chau  ",
        unicodedata.normalize("NFD", "Hải Châu"),
    ],  # some keyboards send decomposed accents
)
def test_it_searches_by_name_with_or_without_diacritics(query):
    assert "Phường Hải Châu" in names(units.search(query))


def test_it_folds_d_with_stroke_so_da_nang_finds_da_nang():
    found = units.search("da nang", limit=200)
    in_da_nang = [u for u in found if u.province_code == "48"]
    assert len(in_da_nang) == 94


def test_it_finds_an_upper_case_d_with_stroke():
    assert units.search("ĐÀ NẴNG", limit=200) == units.search("da nang", limit=200)


def test_it_narrows_down_with_every_word_including_the_province():
    assert names(units.search("hai chau da nang")) == ["Phường Hải Châu"]


def test_it_requires_every_word_to_match():
    assert units.search("hai chau khong co") == []


@pytest.mark.parametrize("query", ["", "   ", None])
def test_it_returns_nothing_for_an_empty_query(query):
    assert units.search(query) == []


def test_it_returns_at_most_the_limit():
    assert len(units.search("phuong")) == 20
    assert len(units.search("phuong", limit=5)) == 5
    assert len(units.search("2", limit=5)) == 5


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Phường Hải Châu", "phuong hai chau"),
        ("Đắk Lắk", "dak lak"),
        ("ĐỒNG THÁP", "dong thap"),
        ("Thành phố Hồ Chí Minh", "thanh pho ho chi minh"),
    ],
)
def test_it_folds_vietnamese_to_plain_lower_case(text, folded):
    assert units.fold(text) == folded
