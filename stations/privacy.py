"""Personal data (个人信息): resident ID numbers and phones are masked unless the role needs them."""

PERSONAL_DATA_PERMISSION = "stations.view_personal_data"


def can_see_personal_data(actor) -> bool:
    """Whether `actor` may see full ID numbers and phones (superusers and roles granted it)."""
    return bool(actor and actor.is_authenticated and actor.has_perm(PERSONAL_DATA_PERMISSION))


def mask_id_number(value: str | None) -> str:
    """1506**********1234: the region and the last four characters stay, the birth date goes."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_phone(value: str | None) -> str:
    """138****5678: the operator prefix and the last four digits stay."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def shown_id_number(value: str | None, *, actor) -> str:
    return (value or "") if can_see_personal_data(actor) else mask_id_number(value)


def shown_phone(value: str | None, *, actor) -> str:
    return (value or "") if can_see_personal_data(actor) else mask_phone(value)
