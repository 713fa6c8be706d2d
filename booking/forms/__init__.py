"""Forms check input shape and field-to-field rules; the services check everything else."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from booking import limits


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs, as WTForms 3.3 wants them."""
    return [SelectChoice(value, label) for value, label in pairs]


def accepted_date(_form, field) -> None:
    """A date (or date and time) in the years the app accepts: year 1 is a typo to point at."""
    if field.data is not None and not limits.is_accepted_date(field.data):
        raise ValidationError(_l("Pick a date between %(first)d and %(last)d.",
                                 first=limits.FIRST_YEAR, last=limits.LAST_YEAR))
