"""Masking for the volunteer records, beyond stations.privacy."""

from stations.privacy import mask_id_number, mask_phone


def mask_name(name: str | None) -> str:
    """张*明: the family name and the last character stay; two-character names keep the first."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def mask_for_audit(value: str) -> str:
    """Masks an ID number or a phone in the audit trail, like the lists do."""
    value = str(value)
    return mask_id_number(value) if len(value) >= 15 else mask_phone(value)
