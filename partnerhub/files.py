"""Serve uploaded files only through views that check sign-in and rights, never as /media/; remove a
deleted row's files after the commit, together with its history row."""

import logging
import mimetypes
from functools import partial
from pathlib import PurePath

from django.db import transaction
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete
from django.http import FileResponse, Http404

logger = logging.getLogger(__name__)


def attachment_response(field_file: FieldFile) -> FileResponse:
    if not field_file or not field_file.name:
        raise Http404("No file")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("File missing") from missing
    name = PurePath(field_file.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Files go with their row, and only with a history row --------------------------------------------


def _has_history(model) -> bool:
    """Audited with django-simple-history (a `history` manager), and not itself a history table."""
    return hasattr(model, "history") and not hasattr(model, "history_object")


def file_fields(model) -> list:
    return [field for field in model._meta.concrete_fields if isinstance(field, FileField)]


def _remove_files_after_delete(sender, instance, **kwargs) -> None:
    """A deleted row's uploads are removed from storage once the delete has committed, for audited
    models only: their history keeps a "deleted" row saying who removed what, and when. (A rolled-
    back delete keeps its files; tests/security/test_admin_deletes.py checks that every model with
    files is audited.)"""
    if not _has_history(sender):
        return
    for field in file_fields(sender):
        stored = getattr(instance, field.attname)
        if stored:
            storage, name = stored.storage, stored.name
            transaction.on_commit(partial(_remove, storage, name))


def _remove(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:  # already gone, or storage unavailable: the row is deleted either way
        logger.warning("Could not remove %s after its row was deleted", name, exc_info=True)


post_delete.connect(_remove_files_after_delete, dispatch_uid="remove-files-after-delete")
