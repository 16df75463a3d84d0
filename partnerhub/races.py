"""Saving under a unique constraint while another request may save the same thing at the same moment.

A service checks with `full_clean()` and then saves. Two requests can both pass the check before
either has committed; the database then refuses the second row (IntegrityError, a 500). Here the
refused save is validated once more: by then the other row is committed and visible (PostgreSQL
makes the second INSERT wait for the first transaction), so the caller gets the same
ValidationError, with the same message, as a save made a moment later.
"""

from collections.abc import Callable

from django.db import IntegrityError, models, transaction


def save_checked(instance: models.Model, *, validate: Callable[[], None] | None = None, **save_kwargs) -> None:
    """Save an instance that was already `full_clean()`ed; a unique race becomes its ValidationError.

    `validate` re-runs the caller's checks (default: `instance.full_clean()`); if they still pass,
    the IntegrityError was not a lost race and is raised unchanged."""
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            instance.save(**save_kwargs)
    except IntegrityError:
        (validate or instance.full_clean)()
        raise
