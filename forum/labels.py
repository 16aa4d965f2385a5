"""Names and descriptions of the standard forums in all six languages.

machina stores one name per forum; these are shown instead for the forums `forum.demo` creates,
as long as an administrator has not renamed them (the stored name still equals the English one).
"""

FORUMS: dict[str, dict[str, tuple[str, str]]] = {
    "community": {
        "en": ("Community", "Customers helping customers, with our support team keeping an eye on things."),
        "ne": ("समुदाय", "ग्राहकहरूले एकअर्कालाई मद्दत गर्छन्, हाम्रो सहयोग टोलीले पनि नजर राख्छ।"),
        "cy": ("Cymuned", "Cwsmeriaid yn helpu ei gilydd, gyda'n tîm cymorth yn cadw llygad."),
        "lo": ("ຊຸມຊົນ", "ລູກຄ້າຊ່ວຍເຫຼືອກັນ ໂດຍມີທີມງານຊ່ວຍເຫຼືອຂອງພວກເຮົາຕິດຕາມຢູ່."),
        "tr": ("Topluluk", "Müşteriler birbirine yardım ediyor; destek ekibimiz de takipte."),
        "lt": ("Bendruomenė", "Klientai padeda vieni kitiems, o mūsų pagalbos komanda stebi."),
    },
    "domains-dns": {
        "en": ("Domains & DNS", "Registering and transferring domains, nameservers, DNS records and propagation."),
        "ne": ("डोमेन र DNS", "डोमेन दर्ता र स्थानान्तरण, नेमसर्भर, DNS रेकर्ड र प्रसार।"),
        "cy": ("Parthau a DNS", "Cofrestru a throsglwyddo parthau, gweinyddion enwau, cofnodion DNS a lledaenu."),
        "lo": ("ໂດເມນ ແລະ DNS", "ການຈົດທະບຽນ ແລະ ຍ້າຍໂດເມນ, nameserver, ບັນທຶກ DNS ແລະ ການກະຈາຍ."),
        "tr": ("Alan adları ve DNS", "Alan adı kaydı ve transferi, ad sunucuları, DNS kayıtları ve yayılma."),
        "lt": ("Domenai ir DNS", "Domenų registravimas ir perkėlimas, vardų serveriai, DNS įrašai ir sklidimas."),
    },
    "email": {
        "en": ("Email", "Mailboxes, mail clients, SPF/DKIM/DMARC and messages that go missing."),
        "ne": ("इमेल", "मेलबक्स, मेल क्लाइन्ट, SPF/DKIM/DMARC र हराउने सन्देशहरू।"),
        "cy": ("E-bost", "Blychau post, rhaglenni e-bost, SPF/DKIM/DMARC a negeseuon sy'n mynd ar goll."),
        "lo": ("ອີເມວ", "ກ່ອງຈົດໝາຍ, ໂປຣແກຣມອີເມວ, SPF/DKIM/DMARC ແລະ ຂໍ້ຄວາມທີ່ຫາຍໄປ."),
        "tr": ("E-posta", "Posta kutuları, e-posta istemcileri, SPF/DKIM/DMARC ve kaybolan iletiler."),
        "lt": ("El. paštas", "Pašto dėžutės, pašto programos, SPF/DKIM/DMARC ir dingstantys laiškai."),
    },
    "websites-wordpress": {
        "en": ("Websites & WordPress", "WordPress, PHP versions, SSL certificates, speed and site migrations."),
        "ne": ("वेबसाइट र वर्डप्रेस", "वर्डप्रेस, PHP संस्करण, SSL प्रमाणपत्र, गति र साइट सार्ने काम।"),
        "cy": ("Gwefannau a WordPress", "WordPress, fersiynau PHP, tystysgrifau SSL, cyflymder a symud gwefannau."),
        "lo": ("ເວັບໄຊ ແລະ WordPress", "WordPress, ເວີຊັນ PHP, ໃບຢັ້ງຢືນ SSL, ຄວາມໄວ ແລະ ການຍ້າຍເວັບໄຊ."),
        "tr": ("Web siteleri ve WordPress", "WordPress, PHP sürümleri, SSL sertifikaları, hız ve site taşıma."),
        "lt": ("Svetainės ir WordPress", "WordPress, PHP versijos, SSL sertifikatai, greitis ir svetainių perkėlimas."),
    },
    "vps-servers": {
        "en": ("VPS & servers", "Virtual and dedicated servers: SSH, firewalls, backups and performance."),
        "ne": ("VPS र सर्भरहरू", "भर्चुअल र समर्पित सर्भर: SSH, फायरवाल, ब्याकअप र कार्यसम्पादन।"),
        "cy": ("VPS a gweinyddion", "Gweinyddion rhithwir a phwrpasol: SSH, waliau tân, copïau wrth gefn a pherfformiad."),
        "lo": ("VPS ແລະ ເຊີບເວີ", "ເຊີບເວີສະເໝືອນ ແລະ ເຊີບເວີສະເພາະ: SSH, ໄຟວໍ, ການສຳຮອງຂໍ້ມູນ ແລະ ປະສິດທິພາບ."),
        "tr": ("VPS ve sunucular", "Sanal ve özel sunucular: SSH, güvenlik duvarları, yedekler ve performans."),
        "lt": ("VPS ir serveriai", "Virtualūs ir dedikuoti serveriai: SSH, ugniasienės, atsarginės kopijos ir našumas."),
    },
    "billing-account": {
        "en": ("Billing & account", "Invoices, payments, renewals and keeping your account secure."),
        "ne": ("बिलिङ र खाता", "बिल, भुक्तानी, नवीकरण र तपाईंको खाता सुरक्षित राख्ने तरिका।"),
        "cy": ("Biliau a chyfrif", "Anfonebau, taliadau, adnewyddu a chadw'ch cyfrif yn ddiogel."),
        "lo": ("ການເກັບເງິນ ແລະ ບັນຊີ", "ໃບແຈ້ງໜີ້, ການຊຳລະເງິນ, ການຕໍ່ອາຍຸ ແລະ ການຮັກສາບັນຊີໃຫ້ປອດໄພ."),
        "tr": ("Faturalama ve hesap", "Faturalar, ödemeler, yenilemeler ve hesabınızın güvenliği."),
        "lt": ("Sąskaitos ir paskyra", "Sąskaitos faktūros, mokėjimai, pratęsimai ir paskyros saugumas."),
    },
    "staff-lounge": {
        "en": ("Staff lounge", "Private: moderators and support staff only. Coordinate replies and escalations here."),
        "ne": ("कर्मचारी कक्ष", "निजी: मोडरेटर र सहयोग कर्मचारीका लागि मात्र।"),
        "cy": ("Lolfa staff", "Preifat: cymedrolwyr a staff cymorth yn unig."),
        "lo": ("ຫ້ອງພັກພະນັກງານ", "ສ່ວນຕົວ: ສະເພາະຜູ້ກວດກາ ແລະ ພະນັກງານຊ່ວຍເຫຼືອເທົ່ານັ້ນ."),
        "tr": ("Personel salonu", "Özel: yalnızca moderatörler ve destek ekibi."),
        "lt": ("Darbuotojų kambarys", "Privatu: tik moderatoriams ir pagalbos darbuotojams."),
    },
}


def label(slug: str, stored_name: str, language: str) -> tuple[str, str] | None:
    """(name, description) in `language` for a standard forum that still has its English name."""
    entry = FORUMS.get(slug)
    if entry is None or entry["en"][0] != stored_name:
        return None
    return entry.get(language) or entry["en"]
