"""Input serializers of a change (PATCH) whose rows are nested."""


class ChangeSerializerMixin:
    """A change: every top-level field may be left out, and what is sent is validated in full.
    (Not DRF's ``partial``, which would also skip the required fields of each nested row.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
