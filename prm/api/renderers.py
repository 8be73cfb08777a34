"""The API's JSON, written by orjson.

DRF writes JSON with the standard library's encoder, a third of a millisecond for a page of 50
registrations (most of what is left of the answer after reading the rows). orjson writes the
same bytes in a tenth of the time. Values orjson does not write as DRF does go through DRF's
encoder: dates and times (DRF writes UTC as ``Z``), lazy translations, decimals, querysets; and
anything orjson refuses (an integer beyond 64 bits, a dictionary with keys that are not
strings) is written by DRF's renderer, as are indented answers (the browsable API's). Two
differences remain, neither of which changes a value a client reads: a float with an exponent is
written ``1e16`` rather than ``1e+16``, and a float that is not a number is written ``null``
where DRF's strict JSON would fail the request.
"""

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_DRF = JSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# What JavaScript reads as line ends inside a string; DRF escapes them, and so does this.
_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if (
            data is None
            or indent is not None
            or self.ensure_ascii
            or not self.compact
            or self.encoder_class is not JSONEncoder
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            written = orjson.dumps(data, default=_DRF.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        for separator, escaped in _LINE_SEPARATORS:
            if separator in written:
                written = written.replace(separator, escaped)
        return written
