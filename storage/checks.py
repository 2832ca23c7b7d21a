"""What a file is, judged by its bytes, and names safe to show."""

import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

SNIFF_BYTES = 16


@dataclass(frozen=True)
class FileType:
    """A file type the clinic may accept."""

    code: str
    content_type: str
    extensions: tuple[str, ...]


TYPES = {
    "pdf": FileType("pdf", "application/pdf", (".pdf",)),
    "jpeg": FileType("jpeg", "image/jpeg", (".jpg", ".jpeg")),
    "png": FileType("png", "image/png", (".png",)),
    "webp": FileType("webp", "image/webp", (".webp",)),
}


def sniff(head: bytes) -> FileType | None:
    """The type the first bytes prove, or None for anything else (SVG, HTML, archives, executables, ...)."""
    if head.startswith(b"%PDF-"):
        return TYPES["pdf"]
    if head.startswith(b"\xff\xd8\xff"):
        return TYPES["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return TYPES["png"]
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return TYPES["webp"]
    return None


def named_as(name: str, file_type: FileType) -> str:
    """The name with the extension of the type its bytes proved: "report.html" holding a PDF is "report.pdf", so
    nobody downloads it as a page or a program; a matching extension (".JPG" for a JPEG) is kept as written."""
    path = PurePosixPath(name)
    if path.suffix.lower() in file_type.extensions:
        return name
    stem = path.stem if path.suffix else name
    return f"{stem}{file_type.extensions[0]}"


def display_name(filename: str, fallback: str = "file") -> str:
    """A file name fit for display and Content-Disposition: no path, no control characters, bounded length.

    Unlike werkzeug's secure_filename it keeps Cyrillic, since the name is never used as a path.
    """
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '<>:"|?*')
    name = name.strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name or fallback
