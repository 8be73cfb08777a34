"""Loaded into the fault tests' Celery worker (``celery -A prm worker --include
tests.faults.slow_chunks``): small chunks and a pause inside each chunk's transaction.

With a few dozen rows, a job then takes a few chunks and a few seconds, so a test can kill the
worker while a chunk is half written and uncommitted, after earlier chunks committed. Nothing
else changes: the jobs run their own code against the real database and broker.
"""

import functools
import os
import time

from django.conf import settings

CHUNK = int(os.environ.get("PRM_FAULTS_CHUNK", "4"))
PAUSE = float(os.environ.get("PRM_FAULTS_PAUSE", "0.4"))


def _pausing(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        time.sleep(PAUSE)  # the chunk's rows are written, not committed yet
        return result

    return wrapper


def _install() -> None:
    from deals import imports
    from deals.commissions import calculation
    from deals.models import DealImport
    from mdf.funds import services as mdf_funds
    from mdf.ledger import services as ledger
    from scorecards.review import services as review

    review.CHUNK_SIZE = CHUNK
    review._review_chunk = _pausing(review._review_chunk)
    calculation.SET_BASED_CHUNK_SIZE = calculation.CHUNK_SIZE = CHUNK
    calculation.PeriodCalculation.calculate_chunk = _pausing(
        calculation.PeriodCalculation.calculate_chunk
    )
    mdf_funds.CHUNK_SIZE = CHUNK
    ledger.post_many = _pausing(ledger.post_many)
    DealImport.chunk_size = CHUNK
    imports._process_chunk = _pausing(imports._process_chunk)
    # Sent emails land as files, one per message, where the test counts them.
    if os.environ.get("PRM_FAULTS_MAIL_DIR"):
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = os.environ["PRM_FAULTS_MAIL_DIR"]


_install()
