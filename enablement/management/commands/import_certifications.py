from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enablement.exceptions import ImportFileError
from enablement.imports import MAX_FILE_BYTES, import_completions
from prm.models import User


class Command(BaseCommand):
    help = (
        "Import completions from the learning system's CSV export "
        "(email, certification_code, earned_on, external_id, office). Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV file.")
        parser.add_argument("--actor", help="Email of the ops user to record as the importer.")

    def handle(self, *args, file, actor=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{file} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        user = None
        if actor:
            user = User.objects.filter(email__iexact=actor).first()
            if user is None or not user.is_program_ops:
                raise CommandError(f"{actor} is not a program operations user.")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text.") from exc
        try:
            run = import_completions(actor=user, text=text, file_name=path.name)
        except ImportFileError as exc:
            raise CommandError(exc.message) from exc
        for row in run.report:
            if row["outcome"] == "failed":
                self.stderr.write(f"line {row['line']}: {row['reason']}")
        self.stdout.write(
            f"imported {run.imported}, unchanged {run.unchanged}, failed {run.failed} "
            f"(report #{run.pk})"
        )
