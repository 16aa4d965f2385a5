"""Query stopwords: function words that say nothing about what someone is looking for.

Our index holds six languages, so corpus statistics (IDF) cannot tell that "how", "do" and "I" are
noise in an English question: they only occur in the English sixth of the documents. Queries
therefore drop these words before matching, unless the query has nothing else ("how to" stays a
search for "how to"). Documents still index them, so nothing is lost from the index.

Lists are deliberately short (the words questions are built from), lowercased and unfolded; a word
is checked in its query lowercase form and its folded form. Welsh and Turkish lists include the
question words of those languages; Lao and Nepali lists hold particles and question words.

Which lists apply depends on the reader's language (`query_stopwords`): its own list, English (the
language people fall back on whatever page they are on), and of the other lists only words that
cannot be read as a word of the reader's language because they hold letters outside ASCII
(`nasıl`, `kodėl`, `कसरी`). A plain ASCII word of another language's list is often an ordinary word
elsewhere: Turkish `size` ("to you") is the English `size`, Lithuanian `man` ("to me") is `man`.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


ENGLISH = _words("""
a about after again all also am an and any are as at be been being but by can could did do does
doing don done for from get gets getting got had has have having he her here him his how i if in
into is isn it its just let me might more most must my no not now of on once only or other our out
over own please same shall she should so some such than that the their them then there these they
this those through to too under until up us very via was we were what when where which while who
whom why will with within without would you your yours
ve ll re aren couldn didn doesn hadn hasn haven shouldn wasn weren won wouldn
""")  # the last line: what is left of "I've", "you'll", "doesn't" once the apostrophe splits them

TURKISH = _words("""
acaba ama ancak bana ben beni benim bir biz bize bizim bu bunu da daha de diye en gibi hangi hem
her için ile ise kadar ki mı mi mu mü nasıl ne neden nedir niye o olan olarak olur ona onu onun
sen siz size sizin şu ve veya ya yani
""")

LITHUANIAN = _words("""
aš apie ar bei bet dar iki į iš ir yra jau jei jie jis jūs jums kad kai kaip kas kodėl kur kuri
kuris man mano mes mums ne nes nuo o per po prie savo su ta tai taip tas tik tu už
""")

WELSH = _words("""
a ac am ar at beth ble dim ei ein eich fy gan gyda hefyd i mae na nad neu ni nid o oes os pam pwy
r sut y yn yr wedi
""")

NEPALI = _words("""
र छ छन् हो मा को का की ले लाई बाट पनि त्यो यो म मेरो हामी तपाईं तपाईंको कसरी किन के कुन गर्न
गर्ने भयो छैन थियो नै
""")

LAO = _words("ແລະ ຂອງ ໃນ ທີ່ ແມ່ນ ກັບ ເປັນ ຈະ ໄດ້ ບໍ່ ຂ້ອຍ ທ່ານ ແນວໃດ ຫຍັງ ນີ້")

STOPWORDS = frozenset(ENGLISH + TURKISH + LITHUANIAN + WELSH + NEPALI + LAO)
BY_LANGUAGE: dict[str, frozenset[str]] = {
    "en": frozenset(ENGLISH), "tr": frozenset(TURKISH), "lt": frozenset(LITHUANIAN),
    "cy": frozenset(WELSH), "ne": frozenset(NEPALI), "lo": frozenset(LAO),
}


def query_stopwords(language: str | None) -> frozenset[str]:
    """The function words left out of a query read in `language` (every list when unknown)."""
    own = BY_LANGUAGE.get(language or "")
    if own is None:
        return STOPWORDS
    foreign = (word for words in BY_LANGUAGE.values() for word in words if not word.isascii())
    return own | BY_LANGUAGE["en"] | frozenset(foreign)


# Query-side synonyms: abbreviations and true synonyms of help-center vocabulary. A query word also
# matches its synonyms (and their stems); documents are indexed as written. Keep this list generic:
# words any hosting / web-app customer uses interchangeably, not fixes for particular queries.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # English
    "mail": ("email",), "mails": ("email", "emails"), "email": ("mail",), "emails": ("mails",),
    "e": (), "inbox": ("mailbox",), "mailbox": ("inbox",),
    "delete": ("remove",), "remove": ("delete",), "erase": ("delete", "remove"),
    "pic": ("picture", "photo"), "pics": ("pictures", "photos"), "photo": ("picture",),
    "picture": ("photo",), "image": ("picture",), "photos": ("pictures",), "pictures": ("photos",),
    "fb": ("facebook",), "yt": ("youtube",), "msg": ("message",), "msgs": ("messages",),
    "pm": ("message",), "pms": ("messages",), "dm": ("message",),
    "pw": ("password",), "pwd": ("password",), "passwd": ("password",), "passcode": ("password",),
    "chars": ("characters",), "char": ("character",), "info": ("information",),
    "site": ("website",), "website": ("site",), "webpage": ("page",), "web": ("website",),
    "db": ("database",), "cert": ("certificate",), "certs": ("certificates",),
    "login": ("log", "sign"), "signin": ("sign", "login"), "logon": ("login",),
    "acct": ("account",), "settings": ("options", "preferences"), "options": ("settings",),
    "preferences": ("settings",), "app": ("application",), "apps": ("applications",),
    "doc": ("document",), "docs": ("documents",), "vid": ("video",), "vids": ("videos",),
    # Welsh, Lithuanian, Turkish, Nepali: common loanword / native pairs
    "ebost": ("email",), "epostas": ("email",), "eposta": ("email",), "इमेल": ("ईमेल",), "ईमेल": ("इमेल",),
}
