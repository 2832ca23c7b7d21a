"""Fill empty entries of the catalogs: English copies the source, Russian comes from a JSON file of translations.

Usage: .venv/bin/python scripts/fill-translations.py ru-new.json   (after `make messages`)
"""

import json
import sys

from babel.messages.pofile import read_po, write_po


def fill(language: str, translations: dict[str, str]) -> list[str]:
    """Fill the language's empty entries; return the ids still missing."""
    path = f"app/translations/{language}/LC_MESSAGES/messages.po"
    with open(path, "rb") as fh:
        catalog = read_po(fh)
    missing = []
    for message in catalog:
        if not message.id or message.string:
            continue
        if language == "en":
            message.string = message.id
        elif message.id in translations:
            message.string = translations[message.id]
        else:
            missing.append(message.id)
    with open(path, "wb") as fh:
        write_po(fh, catalog, sort_output=True, include_lineno=False)
    return missing


if __name__ == "__main__":
    russian = {}
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as fh:
            russian = json.load(fh)
    fill("en", {})
    left = fill("ru", russian)
    for message_id in left:
        print("untranslated:", message_id)
    sys.exit(1 if left else 0)
