"""Reads of certifications and tier evidence, scoped by who is asking, and the tier metrics that
enablement measures for one partner (their set-based forms are in ``metrics``, which registers
both with ``partners.tier_progress``).

Scope rules for person certifications:
- program ops see every row; a channel account manager, the rows of their partners;
- a partner admin sees their partner's team (a distributor's admin also its resellers' teams);
- a partner rep sees their own certifications.

A person certification counts toward tier requirements on a day that lies between its
``earned_on`` and ``expires_on`` (both included). The daily status job only mirrors those dates,
so measuring by date also answers "what if" questions about a future day.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from partners.models import BusinessModel, Office, Partner, PartnerMembership, Region
from partners.selectors import partner_access, partners_visible_to
from partners.tier_progress import MeasuredPartner
from prm.models import User

from .models import (
    Certification,
    CertificationImport,
    PersonCertification,
    ReferenceImplementation,
    Track,
)

# --- Regions --------------------------------------------------------------------------------


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NORTH_AMERICA = _codes("US CA PM BM GL")
_LATIN_AMERICA = _codes(
    "MX GT BZ SV HN NI CR PA CU DO HT JM PR TT BB BS AG DM GD KN LC VC AW CW SX BQ KY TC VG VI "
    "AI MS GP MQ BL MF CO VE EC PE BO BR PY UY AR CL GY SR GF FK"
)
_ASIA_PACIFIC = _codes(
    "AU NZ JP CN HK MO TW KR KP MN IN PK BD LK NP BT MV AF SG MY ID TH VN PH KH LA MM BN TL PG "
    "FJ SB VU NC PF WS TO KI TV NR FM MH PW GU MP AS CK NU TK WF NF CX CC UZ KZ KG TJ TM"
)


def region_for_country(country: str) -> str:
    """The sales region of an ISO country code; Europe, the Middle East and Africa otherwise."""
    code = (country or "").upper()
    if code in _NORTH_AMERICA:
        return Region.NORTH_AMERICA
    if code in _LATIN_AMERICA:
        return Region.LATIN_AMERICA
    if code in _ASIA_PACIFIC:
        return Region.APAC
    return Region.EMEA


def regions_served_by(partner: MeasuredPartner) -> list[str]:
    """The regions a partner serves: those recorded, else the region of its headquarters."""
    return list(partner.regions_served or []) or [region_for_country(partner.hq_country)]


def region_for(partner: Partner, office: Office | None) -> str:
    """A certified person serves the region of their office, else that of the partner's HQ."""
    if office is not None:
        return office.region
    return region_for_country(partner.hq_country)


# --- Catalogue ------------------------------------------------------------------------------


def certification_catalogue(*, kind: str = "") -> QuerySet[Certification]:
    certifications = Certification.objects.select_related("course")
    if kind:
        certifications = certifications.filter(kind=kind)
    return certifications


def holding(
    rows: QuerySet[PersonCertification], *, code: str = "", kind: str = ""
) -> QuerySet[PersonCertification]:
    """``rows`` of the certification with ``code``, or of the certifications of ``kind``.

    The catalogue is small: its ids are looked up first and the rows filtered on their own
    column, whose statistics PostgreSQL knows. Filtered through the join instead, a list read
    in its order could not tell how far it must read, and an unknown code read every row.
    """
    certifications = Certification.objects.all()
    if code:
        certifications = certifications.filter(code=code.strip())
    if kind:
        certifications = certifications.filter(kind=kind)
    return rows.filter(certification_id__in=list(certifications.values_list("pk", flat=True)))


def get_certification_by_code(code: str) -> Certification | None:
    return Certification.objects.filter(code=code.strip()).first()


def tracks_for(*, role: str = "", business_model: str = "") -> list[Track]:
    """Tracks (with their courses) for a role and a business model; a track or course without
    business models is meant for every partner. The catalogue is small and curated, so the
    business-model test runs in Python, the same on SQLite and PostgreSQL."""
    tracks = Track.objects.prefetch_related("courses").order_by("position", "name")
    if role:
        tracks = tracks.filter(role=role)
    result = []
    for track in tracks:
        if business_model and track.business_models and business_model not in track.business_models:
            continue
        track.course_list = [  # type: ignore[attr-defined]  # display-only, for the template
            course
            for course in track.courses.all()
            if not business_model
            or not course.business_models
            or business_model in course.business_models
        ]
        result.append(track)
    return result


# --- Person certifications --------------------------------------------------------------------


def _team_partner_ids(user: User) -> frozenset[int]:
    access = partner_access(user)
    ids = access.admin_of
    if access.admin_of & access.distributor_of:
        ids = ids | access.reseller_ids
    return ids


# Past this many people matching a search word, they are matched by a subquery, not a list.
SEARCH_IDS_AT_MOST = 1000


def search_person_certifications(
    queryset: QuerySet[PersonCertification], text: str
) -> QuerySet[PersonCertification]:
    """The rows of ``queryset`` where each word of ``text`` is in the person's name or email or
    in the certification's name. The people and certifications that match are found first,
    then the rows by their ids, instead of joining every row to its person and certification
    to test it. The ids are read rather than left as subqueries (up to ``SEARCH_IDS_AT_MOST``
    people a word): given a subquery, PostgreSQL guesses it matches a few hundred people and
    walks the rows in list order testing each, which for a word nobody has read all 200,000
    certifications of a large program; a word that matches nobody matches no row at all."""
    for word in text.split()[:5]:
        people = User.objects.filter(Q(full_name__matches=word) | Q(email__matches=word))
        person_ids = list(people.values_list("pk", flat=True)[: SEARCH_IDS_AT_MOST + 1])
        certification_ids = list(
            Certification.objects.filter(name__matches=word).values_list("pk", flat=True)
        )
        if not person_ids and not certification_ids:
            return queryset.none()
        if len(person_ids) > SEARCH_IDS_AT_MOST:
            by_person = Q(user__in=people.values("pk"))
        else:
            by_person = Q(user_id__in=person_ids)
        queryset = queryset.filter(by_person | Q(certification_id__in=certification_ids))
    return queryset


def person_certifications_visible_to(user: User) -> QuerySet[PersonCertification]:
    base = PersonCertification.objects.select_related(
        "user", "partner", "partner__channel_manager", "office", "certification"
    )
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if user.is_program_ops:
        return base
    if user.is_channel_manager:
        return base.filter(partner__channel_manager=user)
    access = partner_access(user)
    if not access.member_of:
        return base.none()
    return base.filter(
        Q(user=user, partner_id__in=access.member_of) | Q(partner_id__in=_team_partner_ids(user))
    )


def get_person_certification_for_user(user: User, pk) -> PersonCertification:
    return get_object_or_404(person_certifications_visible_to(user), pk=pk)


def sees_team(user: User) -> bool:
    """Whether the user's certification list covers other people (admins, CAMs, ops)."""
    return user.is_internal or bool(_team_partner_ids(user))


def _status_priority() -> Case:
    """Expiring first (act now), then expired, then active, then renewed history."""
    Status = PersonCertification.Status
    return Case(
        When(status=Status.EXPIRING, then=Value(0)),
        When(status=Status.EXPIRED, then=Value(1)),
        When(status=Status.ACTIVE, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def team_certifications(partner: Partner) -> QuerySet[PersonCertification]:
    """The certifications of the partner's people that still tell something: renewed history
    and people who have left are left out."""
    return (
        held_by_members(PersonCertification.objects.filter(partner=partner))
        .select_related("user", "office", "certification")
        .exclude(status=PersonCertification.Status.RENEWED)
        .order_by(_status_priority(), "expires_on", "pk")
    )


def certification_counts(partner: Partner) -> dict[str, int]:
    rows = (
        held_by_members(PersonCertification.objects.filter(partner=partner))
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def find_by_verification_code(code: str) -> PersonCertification | None:
    """The certification a public link points at; only what a public page may show is loaded."""
    if not code or len(code) > 64:
        return None
    return (
        PersonCertification.objects.select_related("user", "partner", "certification")
        .filter(verification_code=code)
        .first()
    )


def holders_of(person_certification: PersonCertification) -> list[User]:
    """Who hears about a certification: the person, the partner's admins and its CAM."""
    partner = person_certification.partner
    admins = [
        m.user
        for m in partner.memberships.select_related("user").filter(role="admin")
        if m.user.is_active
    ]
    people = [person_certification.user, *admins, partner.channel_manager]
    unique: dict[int, User] = {}
    for person in people:
        if person is not None:
            unique.setdefault(person.pk, person)
    return list(unique.values())


# --- Reference implementations ----------------------------------------------------------------


def reference_implementations_visible_to(user: User) -> QuerySet[ReferenceImplementation]:
    return ReferenceImplementation.objects.select_related(
        "partner", "partner__channel_manager", "submitted_by", "decided_by"
    ).filter(partner__in=partners_visible_to(user).values("pk"))


def get_reference_for_user(user: User, pk) -> ReferenceImplementation:
    return get_object_or_404(reference_implementations_visible_to(user), pk=pk)


def may_decide_reference(user: User, reference: ReferenceImplementation) -> bool:
    """The partner's channel account manager decides; ops stand in for partners without one."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_program_ops:
        return True
    return user.is_channel_manager and reference.partner.channel_manager_id == user.pk


def search_references(
    user: User, *, status: str = "", partner: Partner | None = None
) -> QuerySet[ReferenceImplementation]:
    rows = reference_implementations_visible_to(user)
    if status:
        rows = rows.filter(status=status)
    if partner is not None:
        rows = rows.filter(partner=partner)
    return rows.order_by(
        Case(
            When(status=ReferenceImplementation.Status.SUBMITTED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "-submitted_at",
        "-pk",
    )


# --- Imports ----------------------------------------------------------------------------------


def certification_imports() -> QuerySet[CertificationImport]:
    return CertificationImport.objects.select_related("imported_by").defer("report")


def certification_imports_visible_to(user: User) -> QuerySet[CertificationImport]:
    """Imports are program operations' work: nobody else sees them."""
    if not getattr(user, "is_authenticated", False) or not user.is_program_ops:
        return CertificationImport.objects.none()
    return certification_imports()


def get_import(pk) -> CertificationImport:
    return get_object_or_404(CertificationImport.objects.select_related("imported_by"), pk=pk)


# --- Tier metrics -----------------------------------------------------------------------------


def held_by_members(certifications: QuerySet[PersonCertification]) -> QuerySet[PersonCertification]:
    """The certifications whose holder is still a member of the partner they were earned for:
    someone who has left stops counting toward its tier and is no longer on its team."""
    return certifications.filter(
        Exists(
            PartnerMembership.objects.filter(
                user_id=OuterRef("user_id"), partner_id=OuterRef("partner_id")
            )
        )
    )


def _valid_on(partner: Partner, as_of: dt.date | None) -> QuerySet[PersonCertification]:
    day = as_of or timezone.localdate()
    return held_by_members(
        PersonCertification.objects.filter(partner=partner, earned_on__lte=day, expires_on__gte=day)
    ).order_by()


def _certified_people(kind: str):
    def measure(partner: Partner, *, as_of: dt.date | None = None) -> Decimal:
        people = (
            _valid_on(partner, as_of)
            .filter(certification__kind=kind)
            .values("user_id")
            .distinct()
            .count()
        )
        return Decimal(people)

    measure.__name__ = f"certified_{kind}_people"
    return measure


certified_sales_people = _certified_people(Certification.Kind.SALES)
certified_technical_people = _certified_people(Certification.Kind.TECHNICAL)
certified_developers = _certified_people(Certification.Kind.DEVELOPER)


def certified_people_per_office(partner: Partner, *, as_of: dt.date | None = None) -> dict:
    """Certified people (any kind) in each office. A partner without offices has one: its
    headquarters, where every certified person counts."""
    offices = list(Office.objects.filter(partner=partner).order_by("name"))
    valid = _valid_on(partner, as_of)
    if not offices:
        people = valid.values("user_id").distinct().count()
        return {"scope": "office", "counts": {str(headquarters_name()): Decimal(people)}}
    per_office = dict(
        valid.filter(office__isnull=False)
        .values_list("office_id")
        .annotate(n=Count("user_id", distinct=True))
    )
    return {
        "scope": "office",
        "counts": {office.name: Decimal(per_office.get(office.pk, 0)) for office in offices},
    }


def certified_people_per_region(partner: Partner, *, as_of: dt.date | None = None) -> dict:
    """Certified people (any kind) serving each region the partner serves; with no regions
    recorded, the partner serves the region of its headquarters."""
    regions = regions_served_by(partner)
    per_region = dict(
        _valid_on(partner, as_of).values_list("region").annotate(n=Count("user_id", distinct=True))
    )
    return {
        "scope": "region",
        "counts": {region: Decimal(per_region.get(region, 0)) for region in regions},
    }


def specialty_certifications(partner: Partner, *, as_of: dt.date | None = None) -> Decimal:
    """Distinct specialty certifications held by anyone at the partner."""
    held = (
        _valid_on(partner, as_of)
        .filter(certification__kind=Certification.Kind.SPECIALTY)
        .values("certification_id")
        .distinct()
        .count()
    )
    return Decimal(held)


REFERENCE_WINDOW_DAYS = 365


def approved_reference_implementations(
    partner: Partner, *, as_of: dt.date | None = None
) -> Decimal:
    """Approved reference implementations completed in the twelve months up to ``as_of``.

    The top tier asks for two approved references "in the first year": a partner in its first
    year reaches it with two approved references since it joined, and keeps it afterwards with
    two in any rolling twelve months. Both read as one rule: approved references whose
    completion date lies in the last twelve months. Submitted or rejected ones never count.
    """
    day = as_of or timezone.localdate()
    since = day - dt.timedelta(days=REFERENCE_WINDOW_DAYS)
    count = ReferenceImplementation.objects.filter(
        partner=partner,
        status=ReferenceImplementation.Status.APPROVED,
        completed_on__gt=since,
        completed_on__lte=day,
    ).count()
    return Decimal(count)


def headquarters_name() -> str:
    from django.utils.translation import gettext

    return gettext("Headquarters")


BUSINESS_MODEL_CHOICES = BusinessModel.choices
