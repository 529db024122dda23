"""Who is in the demo: the shop's staff and teams, its inboxes, and its customers' names.

The business is "Alder & Finch", an online shop for clothing, shoes and homeware that
also sells wholesale to small boutiques and cafés. All addresses use reserved domains
(``.localhost``, ``example.*``, ``.example``) and phone numbers from ranges set aside for
fiction, so nothing here can reach a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

SHOP = "Alder & Finch"
STAFF_DOMAIN = "rapport.localhost"

CARE = "Customer care"
ORDERS = "Orders & wholesale"

WEBSITE = "Website contact form"
# No conversations: it is there so that the widget can be tried at once (its settings tab
# has a page with the widget on it).
LIVE_CHAT = "Live chat"
SHOP_API = "Shop (API)"
WHOLESALE = "Wholesale enquiries"
# No conversations either, and no mailbox connected: it holds one quarantined mail, so
# Settings → Quarantine has something to show (``loader.create_quarantined_mail``).
SHOP_MAIL = "Shop mail"
SHOP_MAIL_ADDRESS = "hello@alder-finch.example"
# The shop's phone line (Twilio Voice): one missed call with a voicemail and its
# transcription (``calls.create_voicemail``). Its Twilio keys are invented.
PHONE = "Phone line"


@dataclass(frozen=True)
class StaffMember:
    name: str
    handle: str  # the part of the e-mail before the @, which is also the @mention handle
    role: str  # a value of accounts.Role
    team: str | None
    inboxes: tuple[str, ...]

    @property
    def email(self) -> str:
        return f"{self.handle}@{STAFF_DOMAIN}"

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


ALL_INBOXES = (WEBSITE, LIVE_CHAT, SHOP_API, WHOLESALE, SHOP_MAIL, PHONE)

STAFF: tuple[StaffMember, ...] = (
    StaffMember("Owen Fairweather", "owen", "admin", None, ALL_INBOXES),
    StaffMember("Priya Raman", "priya", "supervisor", CARE, ALL_INBOXES),
    StaffMember("Maya Okafor", "maya", "agent", CARE, (WEBSITE, LIVE_CHAT, SHOP_API, PHONE)),
    StaffMember("Tomas Varga", "tomas", "agent", CARE, (WEBSITE, LIVE_CHAT, SHOP_API)),
    StaffMember("Lena Hoffmann", "lena", "agent", CARE, (WEBSITE, LIVE_CHAT, SHOP_API)),
    StaffMember("Samir Haddad", "samir", "agent", CARE, (WEBSITE, LIVE_CHAT, SHOP_API)),
    StaffMember("Julia Novak", "julia", "agent", ORDERS, ALL_INBOXES),
    StaffMember("Kenji Mori", "kenji", "agent", ORDERS, ALL_INBOXES),
    StaffMember("Grace Adeyemi", "grace", "agent", ORDERS, (SHOP_API, WHOLESALE)),
    # The warehouse lead has a light seat: she is asked about parcels in internal notes.
    StaffMember("Ines Duarte", "ines", "light", None, (WEBSITE, SHOP_API)),
)

WAREHOUSE_HANDLE = "ines"
LEAD_HANDLE = "priya"  # the support lead, asked when an agent needs a decision


@dataclass(frozen=True)
class InboxSpec:
    name: str
    kind: str  # a value of inboxes.InboxKind
    greeting: str
    config: dict[str, object]


INBOXES: tuple[InboxSpec, ...] = (
    InboxSpec(
        WEBSITE,
        "webform",
        "Questions about an order, a return or a product? Write to us and we answer by "
        "e-mail, usually within a few hours on working days.",
        {"title": f"Contact {SHOP}", "accent_color": "#2f6f4f"},
    ),
    # No webhook URL: replies in the demo's API inbox fail visibly instead of
    # trying to reach a shop that does not exist.
    InboxSpec(
        LIVE_CHAT,
        "chat",
        "Hi! Ask us anything about your order, sizes or returns.",
        {"color": "#2f6f4f"},
    ),
    InboxSpec(SHOP_API, "api", "", {}),
    InboxSpec(
        WHOLESALE,
        "webform",
        "Running a shop or a café? Ask about trade prices, minimum orders and delivery.",
        {"title": f"{SHOP} wholesale", "accent_color": "#8a5a2b"},
    ),
    InboxSpec(SHOP_MAIL, "email", "", {"addresses": [SHOP_MAIL_ADDRESS], "from_name": SHOP}),
    InboxSpec(
        PHONE,
        "voice",
        "",
        {
            "account_sid": "AC" + "0" * 31 + "d",
            "auth_token": "demo-auth-token-not-real",
            "phone_number": "+14155550100",
            "forward_to": ["+14155550111", "+14155550112"],
        },
    ),
)

FIRST_NAMES = (
    "Amara",
    "Ben",
    "Chloe",
    "Daniel",
    "Elif",
    "Felix",
    "Gabriela",
    "Hugo",
    "Isla",
    "Jonas",
    "Keira",
    "Luca",
    "Mei",
    "Noah",
    "Olivia",
    "Pavel",
    "Quinn",
    "Rosa",
    "Stefan",
    "Tara",
    "Umar",
    "Vera",
    "William",
    "Yara",
    "Zoe",
    "Aisha",
    "Bruno",
    "Carmen",
    "Dmitri",
    "Emma",
    "Farah",
    "Georg",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lina",
    "Marco",
    "Nora",
    "Oscar",
    "Pia",
    "Rahul",
    "Sofia",
    "Theo",
    "Ursula",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zara",
)

LAST_NAMES = (
    "Abbott",
    "Bianchi",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gallagher",
    "Horvat",
    "Iqbal",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Quintero",
    "Rossi",
    "Schneider",
    "Takahashi",
    "Usman",
    "Vasquez",
    "Whitfield",
    "Yilmaz",
    "Zielinski",
    "Achebe",
    "Brennan",
    "Costa",
    "Delgado",
    "Evans",
    "Ferreira",
    "Grant",
    "Haas",
    "Ivanova",
    "Jovanovic",
    "Keller",
    "Lindqvist",
    "Mendes",
    "Novak",
    "Okonkwo",
)

# Reserved for documentation (RFC 2606), so demo replies can never reach a real inbox.
MAIL_DOMAINS = ("example.com", "example.net", "example.org")


@dataclass(frozen=True)
class CompanySpec:
    name: str
    domain: str
    city: str


COMPANIES: tuple[CompanySpec, ...] = (
    CompanySpec("Juniper Lane Boutique", "juniperlane.example", "Bristol"),
    CompanySpec("The Copper Kettle Café", "copperkettle.example", "York"),
    CompanySpec("Harbour & Twine", "harbourtwine.example", "Plymouth"),
    CompanySpec("Nordlicht Concept Store", "nordlicht.example", "Hamburg"),
    CompanySpec("Maison Ortie", "maisonortie.example", "Lyon"),
    CompanySpec("Little Fern Gifts", "littlefern.example", "Galway"),
    CompanySpec("Bramble Home", "bramblehome.example", "Leeds"),
    CompanySpec("Cortado Coffee Bar", "cortado.example", "Rotterdam"),
    CompanySpec("Saltmarsh Outfitters", "saltmarsh.example", "Brighton"),
    CompanySpec("Olive Tree Interiors", "olivetree.example", "Porto"),
    CompanySpec("The Wool Room", "woolroom.example", "Edinburgh"),
    CompanySpec("Kiln & Co", "kilnandco.example", "Ghent"),
    CompanySpec("Northgate Pharmacy Gifts", "northgate.example", "Chester"),
    CompanySpec("Pebble Beach Surf Shop", "pebblebeach.example", "Newquay"),
)

PRODUCTS = (
    "linen shirt",
    "merino jumper",
    "rain jacket",
    "canvas tote bag",
    "chino trousers",
    "leather belt",
    "wool beanie",
    "running shoes",
    "suede ankle boots",
    "denim jacket",
    "stoneware mug set",
    "wool throw",
    "linen tea towels",
    "ceramic vase",
    "walnut serving board",
    "scented candle trio",
    "cotton bath robe",
    "steel water bottle",
)

CLOTHING_SIZES = ("XS", "S", "M", "L", "XL")
SHOE_SIZES = ("37", "38", "39", "40", "41", "42", "43", "44", "45")
CARRIERS = ("DPD", "Royal Mail", "UPS", "DHL", "Evri")
CITIES = (
    "Manchester",
    "Cardiff",
    "Dublin",
    "Utrecht",
    "Antwerp",
    "Glasgow",
    "Cork",
    "Bath",
    "Norwich",
    "Cologne",
    "Lille",
    "Aarhus",
    "Nottingham",
    "Belfast",
    "Sheffield",
)
DISCOUNT_CODES = ("SPRING15", "WELCOME10", "FRIENDS20", "FREESHIP", "LOYAL25")


def demo_phone(index: int) -> str:
    """A phone number from ranges reserved for fiction, in international notation."""
    ranges = (
        "+44 7700 900{:03d}",  # Ofcom's UK drama range
        "+61 491 570 {:03d}",  # ACMA's Australian fiction range
        "+1 202 555 01{:02d}",  # the North American 555-01xx fiction range
    )
    template = ranges[index % len(ranges)]
    limit = 100 if "01{:02d}" in template else 1000
    # Multiplying by 7 (coprime to both limits) spreads the numbers without repeating one.
    return template.format((index // len(ranges)) * 7 % limit)
