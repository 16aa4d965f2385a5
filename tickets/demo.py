"""Demo tickets for `manage.py load_demo`: customers in all six languages, every severity and
status, staff replies, internal notes, and tickets that missed their targets.

Idempotent: a ticket is identified by its customer and subject, and skipped when it exists.
Times are relative to the moment of the first load, so the queue shows live due times.
No mail is queued: demo tickets are created through the model, not the services.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tickets.models import Status, Ticket

STAFF_USERNAME = "staff_sam"


@dataclass(frozen=True)
class Step:
    """One event after the ticket was opened, `hours` after its creation."""

    hours: float
    who: str  # "customer" or "staff"
    body: str = ""
    internal: bool = False
    status: str | None = None  # a status change (with the message, or alone when body is empty)


@dataclass(frozen=True)
class DemoTicket:
    customer: str
    language: str
    severity: str
    subject: str
    description: str
    product: str
    opened_hours_ago: float
    assigned: bool = False
    steps: tuple[Step, ...] = field(default_factory=tuple)


DEMO_TICKETS: tuple[DemoTicket, ...] = (
    DemoTicket(
        customer="amira",
        language="en",
        severity="critical",
        subject="Our shop is down: 503 on every page",
        description=(
            "Since about an hour ago every page of **amira-crafts.example** returns "
            "`503 Service Unavailable`. We changed nothing today. Orders are failing, please help!"
        ),
        product="amira-crafts.example",
        opened_hours_ago=3,
        # No reply yet: this ticket has missed its one-hour first-response target.
    ),
    DemoTicket(
        customer="amira",
        language="en",
        severity="normal",
        subject="How do I add an SPF record for Mailchimp?",
        description=(
            "Mailchimp says my domain is not authenticated. Which DNS record do I add, and where "
            "in the control panel?"
        ),
        product="amira-crafts.example",
        opened_hours_ago=50,
        assigned=True,
        steps=(
            Step(2, "staff", "Customer already has an SPF record for our mail servers: "
                 "they must merge, not add a second one.", internal=True),
            Step(3, "staff", (
                "Hi Amira, you already have an SPF record, and a domain may only have one. Edit "
                "the existing TXT record in **DNS Zone Editor** so it reads:\n\n"
                "```\nv=spf1 include:_spf.example-host.net include:servers.mcsv.net ~all\n```\n\n"
                "Then click *Verify* in Mailchimp. Changes usually show within an hour."
            ), status=Status.WAITING),
        ),
    ),
    DemoTicket(
        customer="bikash",
        language="ne",
        severity="high",
        subject="मेरो इमेल आइपुगिरहेको छैन",
        description=(
            "हिजो बेलुकादेखि info@bikash-traders.example मा कुनै पनि इमेल आइरहेको छैन। "
            "पठाउनेहरूले **mailbox full** भन्ने त्रुटि पाइरहेका छन्। मेरो कोटा कति छ र कसरी बढाउने?"
        ),
        product="info@bikash-traders.example",
        opened_hours_ago=5,
        assigned=True,
        steps=(
            Step(1, "staff", (
                "नमस्ते बिकाश जी, तपाईंको मेलबक्स २ GB को सीमामा पुगेको थियो। हामीले अस्थायी रूपमा "
                "कोटा ५ GB बनाइदिएका छौं। पुराना इमेलहरू मेटाउनुहोस् वा ठूलो योजनामा सर्नुहोस्।"
            )),
            Step(2.5, "customer", "धन्यवाद! अब इमेल आउन थालेको छ। पुराना इमेलहरूको ब्याकअप कसरी लिने?"),
        ),
    ),
    DemoTicket(
        customer="carys",
        language="cy",
        severity="low",
        subject="Rhif TAW ar fy anfoneb",
        description=(
            "Helo, mae angen i rif TAW fy nghwmni ymddangos ar yr anfonebau. Ble alla i ei "
            "ychwanegu? Mae anfoneb mis Mawrth hebddo."
        ),
        product="carys-gwe.example",
        opened_hours_ago=96,
        steps=(
            Step(6, "staff", (
                "Helo Carys, gallwch ychwanegu'r rhif TAW yn eich cyfrif o dan **Bilio → Manylion "
                "y cwmni**. Rydym wedi ail-greu anfoneb mis Mawrth gyda'r rhif arni."
            )),
            Step(9, "customer", "Diolch yn fawr, mae'n berffaith."),
            Step(9.1, "customer", status=Status.RESOLVED),
        ),
    ),
    DemoTicket(
        customer="somsak",
        language="lo",
        severity="normal",
        subject="ໃບຢັ້ງຢືນ SSL ໝົດອາຍຸ",
        description=(
            "ເວັບໄຊຂອງຂ້ອຍສະແດງຄຳເຕືອນວ່າການເຊື່ອມຕໍ່ບໍ່ປອດໄພ. ໃບຢັ້ງຢືນ SSL "
            "ຄວນຕໍ່ອາຍຸອັດຕະໂນມັດບໍ່ແມ່ນບໍ? ໂດເມນ: somsak-coffee.example"
        ),
        product="somsak-coffee.example",
        opened_hours_ago=0.5,
    ),
    DemoTicket(
        customer="elif",
        language="tr",
        severity="high",
        subject="WordPress yönetim paneline giriş yapamıyorum",
        description=(
            "`wp-admin` sayfasında kullanıcı adı ve şifremi girdikten sonra tekrar giriş sayfasına "
            "yönlendiriliyorum. Önbellek eklentisini devre dışı bıraktım ama sorun devam ediyor."
        ),
        product="elif-tasarim.example",
        opened_hours_ago=2,
        steps=(
            Step(0.5, "staff", "Probably siteurl is still http:// after the SSL switch; check "
                 "wp_options before answering.", internal=True),
        ),
    ),
    DemoTicket(
        customer="rasa",
        language="lt",
        severity="critical",
        subject="Svetainė neveikia: duomenų bazės prisijungimo klaida",
        description=(
            "Visuose puslapiuose rodoma *Error establishing a database connection*. "
            "Svetainė: rasa-kepykla.example"
        ),
        product="rasa-kepykla.example",
        opened_hours_ago=26,
        assigned=True,
        steps=(
            Step(0.6, "staff", (
                "Sveiki, Rasa. Duomenų bazės serveris buvo perkrautas, dabar svetainė vėl veikia. "
                "Dar kelias valandas stebėsime jo apkrovą."
            )),
            Step(2, "customer", "Ačiū, viskas veikia!"),
            Step(5, "staff", "Apkrova normali, uždarome užklausą.", status=Status.RESOLVED),
            Step(25, "staff", status=Status.CLOSED),
        ),
    ),
    DemoTicket(
        customer="rasa",
        language="lt",
        severity="normal",
        subject="Domeno perkėlimo autorizacijos kodas",
        description=(
            "Noriu perkelti domeną rasa-kepykla.example pas kitą registratorių. "
            "Kur rasti autorizacijos (EPP) kodą?"
        ),
        product="rasa-kepykla.example",
        opened_hours_ago=30,
        assigned=True,
        steps=(
            # Only a note: nobody answered the customer, so the ticket is breached and unattended.
            Step(3, "staff", "Registry lock is on; a manager must approve before we send the EPP code.",
                 internal=True),
        ),
    ),
)


def _create(spec: DemoTicket, customer, staff, now) -> Ticket:
    opened = now - timedelta(hours=spec.opened_hours_ago)
    ticket = Ticket(
        customer=customer,
        subject=spec.subject,
        description=spec.description,
        severity=spec.severity,
        product=spec.product,
        language=spec.language,
        created_at=opened,
        assignee=staff if spec.assigned else None,
    )
    ticket.save()
    for step in spec.steps:
        at = opened + timedelta(hours=step.hours)
        author = staff if step.who == "staff" else customer
        if step.body:
            ticket.add_message(author, step.body, internal=step.internal, new_status=step.status, now=at)
        elif step.status:
            ticket.transition_to(step.status, now=at)
            ticket.save()
    return ticket


def load(stdout) -> None:
    """Create the demo tickets that don't exist yet; print progress and what was skipped."""
    users = get_user_model().objects.in_bulk(
        {spec.customer for spec in DEMO_TICKETS} | {STAFF_USERNAME}, field_name="username"
    )
    staff = users.get(STAFF_USERNAME)
    if staff is None:
        stdout.write(f"  tickets: staff user {STAFF_USERNAME!r} is missing (run home.demo first); "
                     "staff replies are skipped")
    now = timezone.now()
    created = existing = skipped = 0
    total = len(DEMO_TICKETS)
    for number, spec in enumerate(DEMO_TICKETS, start=1):
        customer = users.get(spec.customer)
        if customer is None:
            skipped += 1
            stdout.write(f"  tickets: {number}/{total} skipped {spec.subject!r}: "
                         f"user {spec.customer!r} does not exist (home.demo creates it)")
            continue
        if Ticket.objects.filter(customer=customer, subject=spec.subject).exists():
            existing += 1
            continue
        if staff is None and spec.steps:
            spec = DemoTicket(**{**spec.__dict__, "steps": (), "assigned": False})
        with transaction.atomic():
            ticket = _create(spec, customer, staff, now)
        created += 1
        stdout.write(f"  tickets: {number}/{total} {ticket.reference} {spec.language} "
                     f"{spec.severity} {ticket.get_status_display()}")
    stdout.write(f"  tickets: {created} created, {existing} already there, {skipped} skipped")
