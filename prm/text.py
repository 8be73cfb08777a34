"""Cleaning of text people type: one function for names, used by forms, the API and imports.

A name is shown to other people (reviewers, channel managers, partners on a conflict page), so
characters that change how text *looks* without being visible are removed: a right-to-left
override (U+202E) makes "Acme‮moc.evil" read as something else, and zero-width spaces (U+200B)
or byte-order marks (U+FEFF) make two names that look identical compare as different, which
defeats duplicate and conflict detection. Unicode classes these as control (Cc) and format (Cf)
characters; no letter of any script is among them.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})
# Line and paragraph separators and every other kind of space become one plain space.
_SPACES = re.compile(r"\s+")


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES


def clean_name(value) -> str:
    """A single-line name without invisible control or format characters, in composed form
    (NFC), with runs of white space collapsed to one space and no space at either end."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = "".join(" " if char in "\t\r\n" else char for char in text if not _dropped(char))
    return _SPACES.sub(" ", text).strip()


def _dropped(char: str) -> bool:
    return char not in "\t\r\n" and is_invisible(char)


class NameFormField(forms.CharField):
    """A form field for a person's, company's or thing's name, cleaned by ``clean_name``."""

    def to_python(self, value):
        return clean_name(super().to_python(value))


class NameSerializerField(serializers.CharField):
    """The API counterpart of ``NameFormField``: the same cleaning, then the usual checks, so a
    name made only of invisible characters counts as blank."""

    def to_internal_value(self, data):
        value = clean_name(super().to_internal_value(data))
        if not value and not self.allow_blank:
            self.fail("blank")
        return value


def refuse_invisible(value: str) -> None:
    """A validator for fields that must stay exactly as typed (codes, references)."""
    if any(is_invisible(char) for char in str(value or "")):
        raise ValidationError(
            _("Remove invisible control characters from this value."), code="invisible"
        )
