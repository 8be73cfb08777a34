from typing import ClassVar, Protocol


class _FinalStatuses(Protocol):
    DONE: str
    FAILED: str


class PartnerRunProgress:
    """Progress of a job that works through the partners in id order (``partners_done`` of
    ``partners_total``); its model has a ``Status`` with ``DONE`` and ``FAILED``."""

    # Declared by the models that mix this in.
    Status: ClassVar[_FinalStatuses]
    status: str
    partners_total: int
    partners_done: int

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.partners_total:
            return 0
        return min(100, int(100 * self.partners_done / self.partners_total))
