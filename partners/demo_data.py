"""The demo program's data: people, teams, tiers, the agreement, partners and applications.

Names, places and numbers are invented; domains use the reserved ``.example`` top-level domain.
"""

from dataclasses import dataclass
from decimal import Decimal

from prm.models import User

from .models import (
    BusinessModel,
    CompensationPreference,
    Partner,
    PartnerMembership,
    Region,
    TierRequirement,
)

# Published in the README and printed by seed_demo: the demo accounts are for a first look only.
DEMO_PASSWORD = "demo-partner-2026"  # noqa: S105
# The authenticator-app secret of every demo staff account, published in the same way.
DEMO_TOTP_SECRET = "PRMDEMOPRMDEMOPRMDEMOPRMDEMO2345"  # noqa: S105
M = TierRequirement.Metric

# --- Internal people and teams --------------------------------------------------------------

RESALE, MANAGED, ALLIANCES = "Resale & distribution", "Managed services", "Alliances & SI"

TEAMS = [
    (RESALE, "Resellers, VARs and distributors (two-tier)", "cam@demo.example"),
    (MANAGED, "MSPs and MSSPs", "cam2@demo.example"),
    (ALLIANCES, "System integrators, ISVs, advisors and referral partners", "cam3@demo.example"),
]

# email, full name, internal role, team
STAFF = [
    ("ops@demo.example", "Dana Whitfield", User.InternalRole.PROGRAM_OPS, None),
    ("admin@demo.example", "Sam Okafor", User.InternalRole.ADMIN, None),
    ("cam@demo.example", "Casey Morgan", User.InternalRole.CHANNEL_MANAGER, RESALE),
    ("cam2@demo.example", "Priya Shah", User.InternalRole.CHANNEL_MANAGER, MANAGED),
    ("cam3@demo.example", "Jordan Reyes", User.InternalRole.CHANNEL_MANAGER, ALLIANCES),
]

TEAM_OF_MODEL = {
    BusinessModel.RESELLER: RESALE,
    BusinessModel.DISTRIBUTOR: RESALE,
    BusinessModel.MSP: MANAGED,
    BusinessModel.MSSP: MANAGED,
    BusinessModel.SI: ALLIANCES,
    BusinessModel.ISV: ALLIANCES,
    BusinessModel.ADVISOR: ALLIANCES,
    BusinessModel.REFERRAL: ALLIANCES,
}
CAM_OF_TEAM = {
    RESALE: "cam@demo.example",
    MANAGED: "cam2@demo.example",
    ALLIANCES: "cam3@demo.example",
}

# --- Tiers: commitment first (certified people, specialties, references), revenue as one --------

TIERS = [
    {
        "rank": 1,
        "name": "Registered",
        "description": "Entry tier for every partner that signs the agreement.",
        "benefits": [
            "Partner portal, deal registration and lead sharing",
            "Sales and technical e-learning",
            "Not-for-resale demo licence",
        ],
        "mdf_accrual_rate": Decimal("0.0000"),
        "commission_multiplier": Decimal("1.000"),
        "requirements": [(M.CERTIFIED_SALES, 1, 1)],
    },
    {
        "rank": 2,
        "name": "Silver",
        "description": "Partners with certified sales and technical staff.",
        "benefits": [
            "Everything in Registered",
            "MDF accrual at 1% of won revenue",
            "Partner-led deals earn a 5% commission uplift",
            "Listing in the partner locator",
        ],
        "mdf_accrual_rate": Decimal("0.0100"),
        "commission_multiplier": Decimal("1.050"),
        "requirements": [
            (M.CERTIFIED_SALES, 2, 3),
            (M.CERTIFIED_TECHNICAL, 1, 3),
            (M.SOURCED_REVENUE, 50000, 1),
        ],
    },
    {
        "rank": 3,
        "name": "Gold",
        "description": "Invested partners with developers and coverage in every region served.",
        "benefits": [
            "Everything in Silver",
            "MDF accrual at 2% of won revenue",
            "Dedicated channel account manager and quarterly business reviews",
            "Early access to product roadmaps",
        ],
        "mdf_accrual_rate": Decimal("0.0200"),
        "commission_multiplier": Decimal("1.100"),
        "requirements": [
            (M.CERTIFIED_SALES, 4, 3),
            (M.CERTIFIED_TECHNICAL, 3, 3),
            (M.CERTIFIED_DEVELOPERS, 1, 3),
            (M.CERTIFIED_PER_REGION, 1, 2),
            (M.SOURCED_REVENUE, 250000, 1),
        ],
    },
    {
        "rank": 4,
        "name": "Platinum",
        "description": "Strategic partners with a specialty and proven reference implementations.",
        "benefits": [
            "Everything in Gold",
            "MDF accrual at 3% of won revenue",
            "Joint business plan with executive sponsor check-ins",
            "Named partner in vendor-led campaigns and events",
            "Free seats at the annual partner summit",
        ],
        "mdf_accrual_rate": Decimal("0.0300"),
        "commission_multiplier": Decimal("1.150"),
        "requirements": [
            (M.CERTIFIED_SALES, 6, 3),
            (M.CERTIFIED_TECHNICAL, 6, 3),
            (M.CERTIFIED_DEVELOPERS, 2, 3),
            (M.CERTIFIED_PER_REGION, 2, 2),
            (M.SPECIALTY_CERTIFICATIONS, 1, 3),
            (M.REFERENCE_IMPLEMENTATIONS, 2, 2),
            (M.SOURCED_REVENUE, 750000, 1),
        ],
    },
]

AGREEMENT_VERSION = "2026.1"
AGREEMENT_TITLE = "Partner Program Agreement"
AGREEMENT_BODY = """1. Scope. This agreement sets the terms under which the partner markets, \
resells, refers or delivers services around the vendor's products within the partner program.

2. Tiers and benefits. The partner's tier is reviewed every quarter against published \
requirements. Certified people, specialty certifications and reference implementations weigh \
more than revenue. Benefits follow the tier.

3. Deal registration. The first partner to register an opportunity that is approved is \
protected for the protection period. Decisions give a reason and can be appealed to program \
operations.

4. Compensation. Margins, commissions and fees follow the published rules for the partner's \
business model and tier. No override below the published floor without program approval.

5. Marketing development funds. MDF accrues from won revenue at the tier's rate, is requested \
before the activity and claimed with proof of performance within 60 days.

6. Conduct. The partner complies with applicable laws, including anti-bribery and export rules, \
and protects customer data it receives through the program.

7. Term. Either party may end the agreement with 90 days' written notice; the vendor may \
suspend the partner at once for a material breach, stating the reason."""

# --- Partners ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPartner:
    name: str
    model: str
    country: str
    city: str
    regions: tuple[str, ...]
    tier: int | None
    status: str = Partner.Status.ACTIVE
    distributor: str = ""
    domain: str = ""
    extra_offices: tuple[tuple[str, str, str], ...] = ()  # (city, country, region)
    people: tuple[tuple[str, str, str], ...] = ()  # (email, full name, role)
    sectors: tuple[str, ...] = ()
    stack: tuple[str, ...] = ()
    cam: str = ""
    suspension_reason: str = ""


R, D = BusinessModel.RESELLER, BusinessModel.DISTRIBUTOR
ADMIN, REP = PartnerMembership.Role.ADMIN, PartnerMembership.Role.REP
ONBOARDING, SUSPENDED = Partner.Status.ONBOARDING, Partner.Status.SUSPENDED
NA, LATAM, EMEA, APAC = Region.NORTH_AMERICA, Region.LATIN_AMERICA, Region.EMEA, Region.APAC

# fmt: off
PARTNERS = [
    # Two-tier distribution.
    DemoPartner(
        "Continental Distribution", D, "NL", "Amsterdam", (EMEA, NA), 3,
        extra_offices=(("Frankfurt", "DE", EMEA), ("Chicago", "US", NA)),
        people=(
            ("admin@continental.example", "Claudia Becker", ADMIN),
            ("jan.devries@continental.example", "Jan de Vries", REP),
            ("marta.nowak@continental.example", "Marta Nowak", REP),
        ),
        sectors=("manufacturing", "retail", "public sector"), stack=("Microsoft 365", "VMware"),
    ),
    DemoPartner("Pacific Rim Distribution", D, "SG", "Singapore", (APAC,), 2,
                extra_offices=(("Sydney", "AU", APAC),)),
    DemoPartner(
        "Northwind Systems", R, "US", "Seattle", (NA,), 3, distributor="Continental Distribution",
        extra_offices=(("Vancouver", "CA", NA),),
        people=(
            ("admin@northwind.example", "Nadia Brooks", ADMIN),
            ("rep@northwind.example", "Ravi Patel", REP),
            ("tom.fischer@northwind.example", "Tom Fischer", REP),
            ("li.wen@northwind.example", "Li Wen", REP),
        ),
        sectors=("healthcare", "education"), stack=("Salesforce", "AWS"),
    ),
    DemoPartner("Lakeside Computing", R, "CA", "Toronto", (NA,), 2,
                distributor="Continental Distribution"),
    DemoPartner("Alpine Data Solutions", R, "CH", "Zurich", (EMEA,), 2,
                distributor="Continental Distribution"),
    DemoPartner("Baltic IT Partners", R, "LT", "Vilnius", (EMEA,), 1,
                distributor="Continental Distribution"),
    DemoPartner("Iberia Tech Supply", R, "ES", "Madrid", (EMEA, LATAM), 2,
                distributor="Continental Distribution"),
    DemoPartner("Nordic Cloud Works", R, "SE", "Stockholm", (EMEA,), 3,
                distributor="Continental Distribution"),
    DemoPartner("Atlas Digital", R, "MA", "Casablanca", (EMEA,), 1, status=ONBOARDING,
                distributor="Continental Distribution"),
    DemoPartner("Harbour Bridge Technology", R, "AU", "Sydney", (APAC,), 2,
                distributor="Pacific Rim Distribution"),
    DemoPartner("Southern Cross IT", R, "NZ", "Auckland", (APAC,), 1,
                distributor="Pacific Rim Distribution"),
    DemoPartner("Sakura Solutions", R, "JP", "Tokyo", (APAC,), 2,
                distributor="Pacific Rim Distribution"),
    # Resellers buying direct.
    DemoPartner("Redwood Solutions", R, "US", "San Francisco", (NA,), 3,
                extra_offices=(("Los Angeles", "US", NA),)),
    DemoPartner("Great Plains Technology", R, "US", "Kansas City", (NA,), 1, status=SUSPENDED,
                suspension_reason="Registered deals for customers it does not serve."),
    DemoPartner("Andes Tecnologia", R, "CL", "Santiago", (LATAM,), 2),
    DemoPartner("Rio Digital Systems", R, "BR", "Sao Paulo", (LATAM,), 2,
                extra_offices=(("Rio de Janeiro", "BR", LATAM),)),
    DemoPartner("Maple Leaf IT", R, "CA", "Vancouver", (NA,), 1),
    DemoPartner("Thames Valley Computing", R, "GB", "Reading", (EMEA,), 2),
    DemoPartner("Rhein Systemhaus", R, "DE", "Cologne", (EMEA,), 3),
    DemoPartner("Lumiere Informatique", R, "FR", "Lyon", (EMEA,), 1),
    DemoPartner("Savannah Tech Partners", R, "KE", "Nairobi", (EMEA,), 1),
    DemoPartner("Cape Digital", R, "ZA", "Cape Town", (EMEA,), 2),
    DemoPartner("Bosphorus Bilisim", R, "TR", "Istanbul", (EMEA,), 1),
    # Managed service providers.
    DemoPartner(
        "BluePeak Managed IT", BusinessModel.MSP, "US", "Denver", (NA,), 2,
        people=(
            ("admin@bluepeak.example", "Ben Harper", ADMIN),
            ("sofia.martinez@bluepeak.example", "Sofia Martinez", REP),
            ("kevin.oconnor@bluepeak.example", "Kevin O'Connor", REP),
        ),
        sectors=("legal", "accounting", "dental clinics"), stack=("ConnectWise", "Microsoft 365"),
    ),
    DemoPartner("Cedar Managed Services", BusinessModel.MSP, "US", "Austin", (NA,), 2),
    DemoPartner("Harborline IT", BusinessModel.MSP, "GB", "Bristol", (EMEA,), 1),
    DemoPartner("Polar Managed Cloud", BusinessModel.MSP, "FI", "Helsinki", (EMEA,), 2),
    DemoPartner("Dune Networks", BusinessModel.MSP, "AE", "Dubai", (EMEA,), 1, status=SUSPENDED,
                suspension_reason="Unpaid invoices for two quarters."),
    DemoPartner("Monsoon Managed IT", BusinessModel.MSP, "IN", "Bengaluru", (APAC,), 2),
    DemoPartner("Tasman Managed Services", BusinessModel.MSP, "AU", "Melbourne", (APAC,), 3),
    DemoPartner("Aztec Cloud Services", BusinessModel.MSP, "MX", "Mexico City", (LATAM,), 1,
                status=ONBOARDING),
    # Managed security service providers.
    DemoPartner("Sentinel Cyber Defense", BusinessModel.MSSP, "US", "Arlington", (NA, EMEA), 4,
                extra_offices=(("London", "GB", EMEA),)),
    DemoPartner("Ironclad Security Operations", BusinessModel.MSSP, "GB", "London", (EMEA,), 3),
    DemoPartner("Bastion SecOps", BusinessModel.MSSP, "NL", "Rotterdam", (EMEA,), 2),
    DemoPartner("Merlion Cyber", BusinessModel.MSSP, "SG", "Singapore", (APAC,), 2),
    # System integrators.
    DemoPartner("Meridian Systems Integration", BusinessModel.SI, "US", "Chicago", (NA, EMEA, APAC),
                4, extra_offices=(("Dublin", "IE", EMEA), ("Singapore", "SG", APAC))),
    DemoPartner("Keystone Consulting Group", BusinessModel.SI, "US", "Philadelphia", (NA,), 2),
    DemoPartner("Helix Digital Engineering", BusinessModel.SI, "DE", "Munich", (EMEA,), 3),
    DemoPartner("Orion Integration Services", BusinessModel.SI, "IN", "Pune", (APAC,), 2),
    DemoPartner("Condor Consulting", BusinessModel.SI, "CO", "Bogota", (LATAM,), 1),
    DemoPartner("Fjordline Consulting", BusinessModel.SI, "NO", "Oslo", (EMEA,), 2),
    # Independent software vendors.
    DemoPartner("Brightline Analytics", BusinessModel.ISV, "US", "Boston", (NA,), 3),
    DemoPartner("Quantum Ledger Software", BusinessModel.ISV, "GB", "Edinburgh", (EMEA,), 2),
    DemoPartner("Tessera Health Software", BusinessModel.ISV, "CA", "Montreal", (NA,), 1),
    DemoPartner("Kaizen Apps", BusinessModel.ISV, "JP", "Osaka", (APAC,), 1, status=ONBOARDING),
    # Advisors (technology services distributors) and referral partners.
    DemoPartner("Summit Technology Advisors", BusinessModel.ADVISOR, "US", "Dallas", (NA,), 2),
    DemoPartner("Crossroads Advisory", BusinessModel.ADVISOR, "US", "Atlanta", (NA,), 1),
    DemoPartner("Evergreen Referral Partners", BusinessModel.REFERRAL, "US", "Portland", (NA,), 1),
    DemoPartner("Beacon Referral Network", BusinessModel.REFERRAL, "IE", "Dublin", (EMEA,), 1),
    DemoPartner("Lagos Tech Connect", BusinessModel.REFERRAL, "NG", "Lagos", (EMEA,), 1,
                status=ONBOARDING),
]
# fmt: on

# How each business model prefers to be paid, unless it resells on its own paper.
COMPENSATION_OF_MODEL = {
    BusinessModel.REFERRAL: CompensationPreference.ONE_TIME_FEE,
    BusinessModel.ADVISOR: CompensationPreference.RESIDUAL_COMMISSION,
    BusinessModel.MSP: CompensationPreference.RESIDUAL_COMMISSION,
    BusinessModel.MSSP: CompensationPreference.RESIDUAL_COMMISSION,
    BusinessModel.ISV: CompensationPreference.RESIDUAL_COMMISSION,
}

# fmt: off
SECTORS = [
    "healthcare", "financial services", "manufacturing", "retail", "public sector",
    "education", "logistics", "energy", "hospitality", "professional services",
]
STACKS = [
    "Microsoft 365", "AWS", "Azure", "Google Cloud", "Salesforce", "ServiceNow", "VMware",
    "Cisco", "Fortinet", "CrowdStrike", "SAP", "HubSpot", "Atlassian", "ConnectWise",
]
FIRST_NAMES = [
    "Amelia", "Noah", "Olivia", "Liam", "Emma", "Mateo", "Sofia", "Lucas", "Mia", "Elias",
    "Hannah", "Arjun", "Yuki", "Chen", "Fatima", "Omar", "Ines", "Pedro", "Chloe", "Jonas",
    "Freya", "Kwame", "Aisha", "Diego", "Lena", "Marco", "Nina", "Oscar", "Priyanka", "Rafael",
    "Sara", "Tariq", "Uma", "Victor", "Wanjiru", "Xavier", "Yara", "Zoe", "Hiro", "Leila",
]
LAST_NAMES = [
    "Andersson", "Baker", "Costa", "Dubois", "Evans", "Fernandez", "Garcia", "Hansen", "Ito",
    "Johansson", "Kowalski", "Lopez", "Muller", "Nakamura", "Okonkwo", "Petrov", "Quinn",
    "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Walsh", "Xu", "Yilmaz", "Zhang", "Singh",
    "Kim", "Mensah", "Novak", "Olsen", "Park", "Reid", "Santos", "Torres", "Van Dijk", "Weber",
]
# fmt: on

# --- Applications waiting for review (and one declined) ----------------------------------------

# fmt: off
APPLICATIONS = [
    {
        "legal_name": "Granite Peak Solutions LLC", "display_name": "Granite Peak Solutions",
        "website": "https://granitepeak.example", "hq_country": "US", "business_model": R,
        "regions_served": [NA], "contact_name": "Laura Kim", "contact_title": "COO",
        "contact_email": "laura.kim@granitepeak.example", "customer_count": 140,
        "technical_staff": 6, "executive_sponsor": "Laura Kim, COO",
        "target_sectors": ["manufacturing", "logistics"], "solution_stack": ["Azure", "SAP"],
        "message": "Our manufacturing customers keep asking for your platform; we want to "
        "resell it and run the implementations ourselves.",
    },
    {
        "legal_name": "Vantage Cloud Partners Ltd", "display_name": "Vantage Cloud Partners",
        "website": "https://vantagecloud.example", "hq_country": "GB",
        "business_model": BusinessModel.MSP, "regions_served": [EMEA],
        "contact_name": "Oliver Grant", "contact_title": "Managing Director",
        "contact_email": "oliver.grant@vantagecloud.example", "customer_count": 320,
        "technical_staff": 28, "executive_sponsor": "Oliver Grant, Managing Director",
        "target_sectors": ["professional services"], "solution_stack": ["Microsoft 365"],
        "message": "We manage 320 small businesses and want a monthly, per-seat offer.",
        "compensation_preference": CompensationPreference.RESIDUAL_COMMISSION,
    },
    {
        "legal_name": "Solaris Seguridad S.L.", "display_name": "Solaris Security",
        "website": "https://solaris-sec.example", "hq_country": "ES",
        "business_model": BusinessModel.MSSP, "regions_served": [EMEA, LATAM],
        "contact_name": "Lucia Romero", "contact_title": "Head of Alliances",
        "contact_email": "lucia.romero@solaris-sec.example", "customer_count": 45,
        "technical_staff": 12, "executive_sponsor": "",
        "target_sectors": ["financial services"], "solution_stack": ["Fortinet", "CrowdStrike"],
        "message": "A 24/7 SOC in Madrid and Bogota looking for a detection platform.",
    },
    {
        "legal_name": "Prairie Data Consulting Inc.", "display_name": "Prairie Data Consulting",
        "website": "https://prairiedata.example", "hq_country": "CA",
        "business_model": BusinessModel.SI, "regions_served": [NA],
        "contact_name": "Ethan Moreau", "contact_title": "Partner",
        "contact_email": "ethan.moreau@prairiedata.example", "customer_count": 22,
        "technical_staff": 35, "executive_sponsor": "Grace Liu, CEO",
        "target_sectors": ["energy", "public sector"], "solution_stack": ["Google Cloud"],
    },
    {
        "legal_name": "Orbital Apps Private Limited", "display_name": "Orbital Apps",
        "website": "https://orbitalapps.example", "hq_country": "IN",
        "business_model": BusinessModel.ISV, "regions_served": [APAC],
        "contact_name": "Karan Mehta", "contact_title": "CTO",
        "contact_email": "karan.mehta@orbitalapps.example", "customer_count": 900,
        "technical_staff": 60, "executive_sponsor": "Karan Mehta, CTO",
        "target_sectors": ["retail"], "solution_stack": ["AWS"],
        "message": "We would like to build a certified connector and co-sell.",
    },
    {
        "legal_name": "Harbor Referral Group Pty Ltd", "display_name": "Harbor Referral Group",
        "website": "https://harborreferral.example", "hq_country": "AU",
        "business_model": BusinessModel.REFERRAL, "regions_served": [APAC],
        "contact_name": "Mia Thompson", "contact_title": "Founder",
        "contact_email": "mia.thompson@harborreferral.example", "customer_count": 8,
        "technical_staff": 0, "executive_sponsor": "",
        "compensation_preference": CompensationPreference.ONE_TIME_FEE,
    },
    {
        "legal_name": "Kestrel Networks (Pty) Ltd", "display_name": "Kestrel Networks",
        "website": "https://kestrelnet.example", "hq_country": "ZA", "business_model": R,
        "regions_served": [EMEA], "contact_name": "Thabo Nkosi", "contact_title": "Sales Director",
        "contact_email": "thabo.nkosi@kestrelnet.example", "customer_count": 75,
        "technical_staff": 4, "executive_sponsor": "Anele Dlamini, CEO",
        "target_sectors": ["retail", "hospitality"], "solution_stack": ["Cisco"],
    },
    {
        "legal_name": "Nimbus Advisory LLC", "display_name": "Nimbus Advisory",
        "website": "https://nimbusadvisory.example", "hq_country": "US",
        "business_model": BusinessModel.ADVISOR, "regions_served": [NA],
        "contact_name": "Rachel Adams", "contact_title": "Principal",
        "contact_email": "rachel.adams@nimbusadvisory.example", "customer_count": 60,
        "technical_staff": 2, "executive_sponsor": "Rachel Adams, Principal",
        "compensation_preference": CompensationPreference.RESIDUAL_COMMISSION,
    },
]

DECLINED_APPLICATION = {
    "legal_name": "QuickFlip Licenses Ltd", "display_name": "QuickFlip Licenses",
    "website": "https://quickflip.example", "hq_country": "GB", "business_model": R,
    "regions_served": [EMEA], "contact_name": "Gary Hale", "contact_title": "Owner",
    "contact_email": "gary@quickflip.example", "customer_count": 3, "technical_staff": 0,
}
DECLINE_REASON = (
    "You resell licences bought outside the authorised channel, which our program terms do not "
    "allow. You are welcome to apply again once you source through an authorised distributor."
)
# fmt: on

# fmt: off
LEGAL_SUFFIX = {
    "US": "Inc.", "CA": "Inc.", "GB": "Ltd", "IE": "Ltd", "DE": "GmbH", "CH": "AG",
    "NL": "B.V.", "FR": "SAS", "ES": "S.L.", "SE": "AB", "NO": "AS", "FI": "Oy",
    "AU": "Pty Ltd", "NZ": "Ltd", "SG": "Pte. Ltd.", "JP": "K.K.", "IN": "Pvt Ltd",
    "BR": "Ltda.", "MX": "S.A. de C.V.", "ZA": "(Pty) Ltd",
}
# fmt: on
