import datetime as dt

from django.core.management.base import BaseCommand

from prm import jobs


class Command(BaseCommand):
    help = (
        "Resume background imports (deals, certifications) whose worker died: every queued or "
        "running import without progress for --minutes continues after its last committed line."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=int(jobs.STALLED_AFTER.total_seconds() // 60),
            help="How long without progress makes an import stalled (default: %(default)s).",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Hand the imports to the workers instead of running them here.",
        )

    def handle(self, *args, minutes: int, queue: bool, **options):
        stalled = jobs.stalled_jobs(older_than=dt.timedelta(minutes=minutes))
        for job in stalled:
            label = f"{job._meta.verbose_name} #{job.pk}"
            self.stdout.write(f"{label}: resuming after line {job.last_line}")
            jobs.resume(job, queue=queue)
        self.stdout.write(f"{len(stalled)} stalled import(s) resumed.")
