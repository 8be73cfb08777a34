"""Conflict detection: normalisation, domains, evidence and scores, on SQLite and PostgreSQL."""

from decimal import Decimal

import pytest
from django.db import connection

from deals.conflicts import (
    FREE_MAIL_DOMAINS,
    POINTS,
    find_conflict_candidates,
    normalize_company_name,
    registrable_domain,
    trigram_similarity,
)
from deals.models import DealRegistration

from .conflict_factories import AccountFactory, OpportunityFactory, RegistrationFactory


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Acme Corp.", "acme"),
        ("ACME Corporation Inc", "acme"),
        ("Société Générale S.A.", "societe generale"),
        ("Müller GmbH & Co. KG", "muller"),
        ("  Foo   Bar, L.L.C. ", "foo bar"),
        ("Johnson & Johnson", "johnson johnson"),
        ("The Home Depot", "home depot"),
        ("Initech B.V.", "initech"),
        ("Globex plc", "globex"),
        ("The Company Ltd", "the company ltd"),
        ("", ""),
    ],
)
def test_company_names_are_normalized(raw, normalized):
    """Case, accents, punctuation and legal forms do not make two customers different."""
    assert normalize_company_name(raw) == normalized


@pytest.mark.parametrize(
    ("raw", "domain"),
    [
        ("https://www.shop.example.co.uk/path?q=1", "example.co.uk"),
        ("WWW.Acme.com", "acme.com"),
        ("acme.com:8443", "acme.com"),
        ("eu.sales.acme.com.au", "acme.com.au"),
        ("pat@mail.acme.de", "acme.de"),
        ("http://user@portal.acme.org/", "acme.org"),
        ("co.uk", ""),
        ("192.168.0.1", ""),
        ("not a domain", ""),
        ("", ""),
    ],
)
def test_registrable_domain_strips_subdomains_with_the_bundled_suffix_list(raw, domain):
    assert registrable_domain(raw) == domain


@pytest.mark.django_db
def test_same_website_domain_through_subdomains_and_www(acme, globex):
    existing = RegistrationFactory(
        partner=globex, customer_name="Zeta Holdings", customer_domain="zeta.co.uk", country="GB"
    )
    [candidate] = find_conflict_candidates(
        customer_name="Totally Different Name",
        customer_domain="https://www.shop.zeta.co.uk/",
        country="GB",
    )
    assert candidate.registration == existing
    assert [e["rule"] for e in candidate.evidence] == ["domain", "country"]
    assert candidate.evidence[0] == {"rule": "domain", "value": "zeta.co.uk", "similarity": 1.0}
    assert candidate.score == Decimal(POINTS["domain"] + POINTS["country"])


@pytest.mark.django_db
def test_contact_email_domain_matches_but_free_mail_is_ignored(globex):
    by_email = RegistrationFactory(
        partner=globex, customer_name="Omega One", contact_email="it@omega.io", country="US"
    )
    RegistrationFactory(
        partner=globex, customer_name="Sigma Two", contact_email="boss@gmail.com", country="US"
    )
    found = find_conflict_candidates(
        customer_name="Unrelated Words", contact_email="buyer@eu.omega.io", country="DE"
    )
    assert [c.registration for c in found] == [by_email]
    assert found[0].evidence == [{"rule": "email_domain", "value": "omega.io", "similarity": 1.0}]
    assert found[0].score == Decimal(POINTS["email_domain"])
    assert "gmail.com" in FREE_MAIL_DOMAINS
    assert find_conflict_candidates(customer_name="Nobody", contact_email="x@gmail.com") == []


@pytest.mark.django_db
def test_email_domain_matches_the_other_sides_website(globex):
    existing = RegistrationFactory(
        partner=globex, customer_name="Kappa", customer_domain="kappa.fr"
    )
    [candidate] = find_conflict_candidates(customer_name="Other", contact_email="a@kappa.fr")
    assert candidate.registration == existing
    assert candidate.evidence[0]["rule"] == "email_domain"


@pytest.mark.django_db
def test_fuzzy_company_names_match_with_similarity_evidence(globex):
    existing = RegistrationFactory(partner=globex, customer_name="Acme Corp.", country="US")
    [candidate] = find_conflict_candidates(customer_name="ACME Corporation Inc", country="US")
    assert candidate.registration == existing
    name, country = candidate.evidence
    assert name == {"rule": "name", "value": "acme", "similarity": 1.0}
    assert country["rule"] == "country"
    assert candidate.score == Decimal(POINTS["name"] + POINTS["country"])


@pytest.mark.django_db
def test_partial_name_similarity_scores_proportionally(globex):
    RegistrationFactory(partner=globex, customer_name="Northwind Traders", country="US")
    [candidate] = find_conflict_candidates(customer_name="Northwind Trading", country="GB")
    [name] = candidate.evidence
    expected = trigram_similarity("northwind traders", "northwind trading")
    assert 0.45 <= expected < 1
    assert name["similarity"] == round(expected, 4)
    assert candidate.score == (Decimal(POINTS["name"]) * Decimal(str(round(expected, 4)))).quantize(
        Decimal("0.01")
    )


@pytest.mark.django_db
def test_dissimilar_names_and_country_alone_are_not_candidates(globex):
    RegistrationFactory(partner=globex, customer_name="Blue Falcon", country="US")
    assert find_conflict_candidates(customer_name="Red Harbor", country="US") == []


@pytest.mark.django_db
def test_only_active_registrations_count(globex):
    for status in ("draft", "rejected", "won", "lost", "expired", "withdrawn"):
        RegistrationFactory(partner=globex, customer_name="Gamma Ray", status=status)
    active = [
        RegistrationFactory(partner=globex, customer_name="Gamma Ray", status=status)
        for status in DealRegistration.ACTIVE_STATUSES
    ]
    found = find_conflict_candidates(customer_name="Gamma Ray")
    assert {c.registration for c in found} == set(active)


@pytest.mark.django_db
def test_the_registration_itself_is_excluded(globex):
    own = RegistrationFactory(partner=globex, customer_name="Self Check")
    assert (
        find_conflict_candidates(customer_name="Self Check", exclude_registration_id=own.pk) == []
    )


@pytest.mark.django_db
def test_all_evidence_together_is_capped_at_100(globex):
    RegistrationFactory(
        partner=globex,
        customer_name="Delta Dynamics",
        customer_domain="delta.com",
        contact_email="cio@delta.com",
        country="US",
    )
    [candidate] = find_conflict_candidates(
        customer_name="Delta Dynamics LLC",
        customer_domain="www.delta.com",
        contact_email="buyer@delta.com",
        country="US",
    )
    assert [e["rule"] for e in candidate.evidence] == ["domain", "email_domain", "name", "country"]
    assert candidate.score == Decimal(100)


@pytest.mark.django_db
def test_open_vendor_opportunities_are_candidates_closed_ones_are_not(globex):
    account = AccountFactory(name="Epsilon GmbH", domain="epsilon.de", country="DE")
    open_opportunity = OpportunityFactory(account=account)
    OpportunityFactory(account=account, stage="won")
    [candidate] = find_conflict_candidates(
        customer_name="Epsilon", customer_domain="epsilon.de", country="DE"
    )
    assert candidate.opportunity == open_opportunity
    assert candidate.kind == "opportunity"
    assert [e["rule"] for e in candidate.evidence] == ["domain", "name", "country"]


@pytest.mark.django_db
def test_candidates_are_ordered_by_score_then_first_registered(globex, acme):
    weak = RegistrationFactory(partner=globex, customer_name="Theta Labs Europe", country="FR")
    strong = RegistrationFactory(partner=acme, customer_name="Theta Labs", country="US")
    found = find_conflict_candidates(customer_name="Theta Labs", country="US")
    assert [c.registration for c in found] == [strong, weak]


NAMES = [
    ("acme", "acme"),
    ("acme", "acme industries"),
    ("northwind traders", "northwind trading"),
    ("blue falcon", "blue falcons"),
    ("societe generale", "generale societe"),
    ("a", "ab"),
    ("x y z", "xyz"),
    ("contoso 365", "contoso"),
    ("müller bau", "muller bau"),
    ("", "acme"),
]


@pytest.mark.parametrize(("a", "b"), NAMES)
def test_python_similarity_follows_pg_trgm_rules(a, b):
    """Lower-cased words padded with two spaces before and one after; shared / union."""
    if not a or not b:
        assert trigram_similarity(a, b) == 0.0
        return
    grams = []
    for text in (a, b):
        found = set()
        for word in text.lower().split():
            padded = f"  {word} "
            found |= {padded[i : i + 3] for i in range(len(padded) - 2)}
        grams.append(found)
    expected = len(grams[0] & grams[1]) / len(grams[0] | grams[1])
    assert trigram_similarity(a, b) == pytest.approx(expected, rel=1e-6)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with pg_trgm")
def test_python_similarity_equals_postgresql_similarity():
    with connection.cursor() as cursor:
        for a, b in NAMES:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            assert trigram_similarity(a, b) == cursor.fetchone()[0], (a, b)
