"""Vietnamese alphabetical order for people and units (ICU's vi collation)."""

from __future__ import annotations

import random

from wardapp.core import collation


def test_names_sort_in_vietnamese_order_not_by_code_point():
    assert sorted(["Lê", "Võ", "Đặng"]) == ["Lê", "Võ", "Đặng"]  # code points: Đ (U+0110) after V
    assert collation.sorted_vi(["Lê", "Võ", "Đặng"]) == ["Đặng", "Lê", "Võ"]
    assert collation.sorted_vi(["Đặng", "Dương", "Đào", "Cao"]) == ["Cao", "Dương", "Đào", "Đặng"]


def test_each_vietnamese_letter_has_its_place_in_the_alphabet():
    alphabet = ["An", "Ăn", "Ân", "Bảo", "Dũng", "Đức", "Em", "Êm", "Oanh", "Ôn", "Ơn", "Uyên", "Ưng", "Yến"]
    shuffled = alphabet[:]
    random.Random(7).shuffle(shuffled)
    assert collation.sorted_vi(shuffled) == alphabet


def test_tones_decide_only_between_otherwise_equal_words():
    # The base letters decide first: "Hà Nam" before "Hải", whatever the tones.
    assert collation.sorted_vi(["Hải", "Hà Nam"]) == ["Hà Nam", "Hải"]
    # The same syllable: level, grave, hook, tilde, acute, dot below (ngang, huyền, hỏi, ngã, sắc, nặng).
    tones = ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert collation.sorted_vi(reversed(tones)) == tones


def test_units_sort_by_name_with_a_key():
    units = [("Bộ phận Văn hóa - Xã hội", 1), ("Bộ phận Địa chính - Xây dựng", 2), ("Bộ phận Tư pháp - Hộ tịch", 3)]
    ordered = collation.sorted_vi(units, by=lambda unit: unit[0])
    assert [code for _, code in ordered] == [2, 3, 1]
