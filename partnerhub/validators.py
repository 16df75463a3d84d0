"""Upload checks shared by every app: size, extension and the file's actual content."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

DOCUMENT_EXTENSIONS = [
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "odt",
    "ods",
    "odp",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "webp",
]
PDF_OR_IMAGE_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "gif", "webp"]

# Leading bytes of each accepted format: an .exe renamed to .pdf is refused.
_MAGIC = {
    "pdf": [b"%PDF"],
    "png": [b"\x89PNG"],
    "jpg": [b"\xff\xd8\xff"],
    "jpeg": [b"\xff\xd8\xff"],
    "gif": [b"GIF87a", b"GIF89a"],
    "webp": [b"RIFF"],
    "doc": [b"\xd0\xcf\x11\xe0"],
    "xls": [b"\xd0\xcf\x11\xe0"],
    "ppt": [b"\xd0\xcf\x11\xe0"],
    # Office Open XML and OpenDocument files are ZIP archives.
    "docx": [b"PK\x03\x04"],
    "xlsx": [b"PK\x03\x04"],
    "pptx": [b"PK\x03\x04"],
    "odt": [b"PK\x03\x04"],
    "ods": [b"PK\x03\x04"],
    "odp": [b"PK\x03\x04"],
}


@deconstructible
class UploadValidator:
    def __init__(self, allowed_extensions: list[str]):
        self.allowed_extensions = list(allowed_extensions)

    def __call__(self, upload) -> None:
        FileExtensionValidator(self.allowed_extensions)(upload)
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is %(size)s MB; at most %(max)s MB is allowed."),
                params={"size": round(upload.size / 1024 / 1024, 1), "max": settings.MAX_UPLOAD_BYTES // 1024 // 1024},
                code="file_too_large",
            )
        extension = upload.name.rsplit(".", 1)[-1].lower()
        position = upload.tell() if hasattr(upload, "tell") else 0
        upload.seek(0)
        head = upload.read(8)
        upload.seek(position)
        if not any(head.startswith(magic) for magic in _MAGIC.get(extension, [])):
            raise ValidationError(
                _("The file's content is not a valid .%(ext)s file."), params={"ext": extension}, code="file_content"
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, UploadValidator) and other.allowed_extensions == self.allowed_extensions


validate_document = UploadValidator(DOCUMENT_EXTENSIONS)
validate_pdf_or_image = UploadValidator(PDF_OR_IMAGE_EXTENSIONS)
