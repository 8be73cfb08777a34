"""Demo rep territories: a rep per region and two country specialists, so the rep credit report
credits every demo deal to someone. Looked up by their natural keys: safe to run again."""

from prm.models import User

from .models import RepTerritory
from .services import save_territory

TERRITORIES = [
    ("", "NA", "Nora Banks", "nora.banks@vendor.example"),
    ("", "LATAM", "Lucas Prado", "lucas.prado@vendor.example"),
    ("", "EMEA", "Elena Weiss", "elena.weiss@vendor.example"),
    ("", "APAC", "Kenji Mori", "kenji.mori@vendor.example"),
    ("DE", "", "Dieter Krause", "dieter.krause@vendor.example"),
    ("GB", "", "Grace Hollis", "grace.hollis@vendor.example"),
]


def seed(*, stdout) -> None:
    ops = User.objects.filter(email="ops@demo.example").first()
    if ops is None:
        return
    created = 0
    for country, region, name, email in TERRITORIES:
        exists = RepTerritory.objects.filter(
            country=country, **({} if country else {"region": region})
        ).exists()
        if not exists:
            save_territory(actor=ops, country=country, region=region, rep_name=name,
                           rep_email=email)  # fmt: skip
            created += 1
    stdout.write(f"Rep territories: {created} new, {RepTerritory.objects.count()} in all.")
