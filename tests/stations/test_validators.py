from django.core.exceptions import ValidationError

import pytest

from stations.validators import (
    CharacterClassPasswordValidator,
    id_number_check_character,
    validate_credit_code,
    validate_division_code,
    validate_id_number,
)

# 11010519491231002X is the example of GB 11643 itself.
VALID_ID = "11010519491231002X"


def test_valid_id_number_passes():
    assert validate_id_number(VALID_ID) is None


@pytest.mark.parametrize(
    ("_case", "value", "code"),
    [
        ("wrong_check_digit", "110105194912310021", "id_number_checksum"),
        ("impossible_date", "110105194902300020", "id_number_birth_date"),
        ("seventeen_chars", "11010519491231002", "id_number_length"),
        ("letter_inside", "1101051949123100AX", "id_number_format"),
        ("lower_case_x", "11010519491231002x", "id_number_format"),
    ],
)
def test_invalid_id_numbers_are_refused_with_their_reason(_case, value, code):
    with pytest.raises(ValidationError) as error:
        validate_id_number(value)
    assert error.value.code == code


def test_id_check_character_of_the_standard_example():
    assert id_number_check_character(VALID_ID[:17]) == "X"


@pytest.mark.parametrize(
    "value",
    ["91350100M000100Y43", "91110000802100433B", "11100000000013127D"],
)
def test_real_credit_codes_pass(value):
    assert validate_credit_code(value) is None


@pytest.mark.parametrize(
    ("_case", "value", "code"),
    [
        ("wrong_check", "91350100M000100Y44", "credit_code_checksum"),
        ("short", "91350100M000100Y4", "credit_code_length"),
        ("letter_I", "91350100M000100I43", "credit_code_format"),
    ],
)
def test_invalid_credit_codes_are_refused(_case, value, code):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(value)
    assert error.value.code == code


@pytest.mark.parametrize("value", ["15060200000", "1506020000000", "15060200000A", ""])
def test_division_code_must_be_twelve_digits(value):
    with pytest.raises(ValidationError) as error:
        validate_division_code(value)
    assert error.value.code == "division_code_format"


@pytest.mark.parametrize(
    ("_case", "password", "accepted"),
    [
        ("letters_only", "abcdefghijkl", False),
        ("lower_and_digits", "abcdefgh1234", False),
        ("three_classes", "Abcdefgh1234", True),
        ("symbol_instead_of_upper", "abcdefgh12#4", True),
    ],
)
def test_passwords_need_three_character_classes(_case, password, accepted):
    validator = CharacterClassPasswordValidator()
    if accepted:
        assert validator.validate(password) is None
    else:
        with pytest.raises(ValidationError) as error:
            validator.validate(password)
        assert error.value.code == "password_character_classes"
