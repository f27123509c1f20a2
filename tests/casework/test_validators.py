"""Resident ID numbers (GB 11643), mainland mobile numbers and the masks shown to supervisors."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from casework.validators import (
    id_check_digit,
    mask_id_number,
    mask_name,
    mask_numbers,
    mask_phone,
    normalize_id_number,
    validate_id_number,
    validate_mobile,
)

# Published examples: the GB 11643 sample number, and a common textbook one ending in a digit.
VALID_IDS = ["11010519491231002X", "110101199003077774", "330681200002290018"]  # born on a leap day


def error_code(func, value) -> str:
    with pytest.raises(ValidationError) as excinfo:
        func(value)
    return excinfo.value.code


# --- GB 11643 check digit ---


@pytest.mark.parametrize(("first17", "check"), [
    ("11010519491231002", "X"),
    ("11010119900307777", "4"),
])
def test_check_digit_matches_published_examples(first17, check):
    # given the first 17 digits of published numbers, when the check character is computed
    # then it is the one printed on the card (MOD 11-2, X standing for 10)
    assert id_check_digit(first17) == check


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_id_numbers_are_accepted(number):
    # given a well-formed number with a real birth date and the right check character
    # when validated, then nothing is raised
    validate_id_number(number)


def test_id_number_with_wrong_check_digit_is_refused():
    # given the GB 11643 example with its X replaced by a digit
    # when validated, then the refusal names the check digit
    assert error_code(validate_id_number, "110105194912310021") == "id_check_digit"


@pytest.mark.parametrize("number", [
    "110105194902301234",  # 30 February
    "110105194913011234",  # month 13
    "110105194900001234",  # month 0, day 0
    "110105189912311234",  # born before 1900
])
def test_id_number_with_impossible_birth_date_is_refused(number):
    # given a number whose characters 7–14 are no real (or plausible) birth date
    # when validated, then the refusal names the birth date, whatever the check digit says
    number = number[:17] + id_check_digit(number[:17])
    assert error_code(validate_id_number, number) == "id_birth_date"


def test_id_number_born_in_the_future_is_refused():
    # given a number with tomorrow as birth date and a correct check character
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    first17 = f"110105{tomorrow:%Y%m%d}123"
    # when validated, then it is refused for its birth date
    assert error_code(validate_id_number, first17 + id_check_digit(first17)) == "id_birth_date"


@pytest.mark.parametrize("number", [
    "",
    "11010519491231002",  # 17 characters
    "11010519491231002XX",  # 19 characters
    "110105194912310",  # 15-digit first-generation card
    "1101051949123100X2",  # X not in last place
    "11010519491231002Y",  # a letter other than X
    "11010519491231002x",  # lower-case x is refused until normalized
    "11010519491231 002X",  # inner space
    pytest.param("１１０１０５１９４９１２３１００２Ｘ", id="full-width-digits-and-X"),
    pytest.param("１１０１０５１９４９１２３１００２X", id="full-width-digits"),  # as Chinese IMEs type them
    pytest.param("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", id="arabic-indic-digits"),
])
def test_id_number_of_wrong_length_or_characters_is_refused(number):
    # given a value that is not 17 digits followed by a digit or X
    # when validated, then the refusal is about the format
    assert error_code(validate_id_number, number) == "id_format"


def test_lower_case_x_and_surrounding_spaces_are_normalized_to_a_valid_number():
    # given a number typed on a tablet with a lower-case x and stray spaces
    # when normalized, then it becomes the canonical form, which validates
    normalized = normalize_id_number("  11010519491231002x ")
    assert normalized == "11010519491231002X"
    validate_id_number(normalized)


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today())


@given(
    area=st.text(alphabet="0123456789", min_size=6, max_size=6),
    birth=birth_dates,
    sequence=st.text(alphabet="0123456789", min_size=3, max_size=3),
)
def test_appending_the_check_digit_always_validates_and_any_other_last_char_fails(area, birth, sequence):
    # given any 17 digits whose birth date is real
    first17 = f"{area}{birth:%Y%m%d}{sequence}"
    check = id_check_digit(first17)
    # when the computed check character is appended, then the number is accepted
    validate_id_number(first17 + check)
    # and when the last character is any of the ten others, then it is refused for its check digit
    for other in "0123456789X".replace(check, ""):
        assert error_code(validate_id_number, first17 + other) == "id_check_digit"


# --- mainland mobile numbers ---


@pytest.mark.parametrize("phone", ["13812345678", "15900001111", "19912345678", "16612345678"])
def test_mainland_mobile_numbers_are_accepted(phone):
    # given 11 digits starting 13–19, when validated, then nothing is raised
    validate_mobile(phone)


@pytest.mark.parametrize("phone", [
    "",
    "1381234567",  # 10 digits
    "138123456789",  # 12 digits
    "12812345678",  # no 12x mobile prefix
    "10812345678",
    "23812345678",  # does not start with 1
    "+8613812345678",  # country code
    "138-1234-5678",  # separators
    "0575-87654321",  # landline
    "1381234567a",
    pytest.param("138１２３４５６７８", id="full-width-digits-after-prefix"),
])
def test_other_phone_numbers_are_refused(phone):
    # given something that is not a bare 11-digit mainland mobile number
    # when validated, then the refusal is about the phone format
    assert error_code(validate_mobile, phone) == "phone_format"


# --- masks ---


def test_id_number_mask_keeps_the_area_code_and_the_last_four():
    # given a full ID number, when masked, then the birth date and sequence are hidden
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_phone_mask_keeps_the_prefix_and_the_last_four():
    # given a mobile number, when masked, then the middle four digits are hidden
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(("func", "value"), [
    (mask_id_number, "110105194912310"),  # an old 15-digit number
    (mask_id_number, "X1234"),
    (mask_phone, "057587654321"),
    (mask_phone, "5678"),
])
def test_values_of_unexpected_length_are_masked_entirely(func, value):
    # given a legacy or odd value the masks do not know the layout of
    # when masked, then no character of it survives
    masked = func(value)
    assert masked == "*" * len(value)


@pytest.mark.parametrize("name, masked", [
    ("张三", "张*"), ("张三明", "张*明"), ("欧阳娜娜", "欧**娜"), ("王", "*"), (" 李四 ", "李*"), ("", ""),
])
def test_a_name_mask_keeps_the_surname_and_from_three_characters_the_last(name, masked):
    assert mask_name(name) == masked


def test_numbers_written_in_free_text_are_masked_and_other_digits_left_alone():
    # given a description with a phone, an ID number, an amount and a case number in it
    text = "张三（电话13812345678，身份证11010519491231002X）欠款8000元，见330681-20261122-0007"

    # when masked, then the phone and the ID number are, the rest is not
    assert mask_numbers(text) == "张三（电话138****5678，身份证110105********002X）欠款8000元，见330681-20261122-0007"
