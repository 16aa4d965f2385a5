"""Creates the locales and the per-locale home pages a fresh site needs.

Used by `load_demo` and by the tests, so both see the same structure. Idempotent.
"""

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site

from home.models import HomePage

HOME_HEADINGS = {
    "en": "How can we help?",
    "ne": "हामी कसरी मद्दत गर्न सक्छौं?",
    "cy": "Sut gallwn ni helpu?",
    "lo": "ພວກເຮົາຊ່ວຍຫຍັງທ່ານໄດ້ແດ່?",
    "tr": "Size nasıl yardımcı olabiliriz?",
    "lt": "Kuo galime padėti?",
}


def ensure_locales() -> dict[str, Locale]:
    return {
        code: Locale.objects.get_or_create(language_code=code)[0]
        for code, _name in settings.LANGUAGES
    }


@transaction.atomic
def ensure_home_pages() -> dict[str, HomePage]:
    """One HomePage per language, linked as translations; the default Site points at English."""
    locales = ensure_locales()
    root = Page.get_first_root_node()
    english = HomePage.objects.filter(locale=locales["en"]).first()
    if english is None:
        english = root.add_child(
            instance=HomePage(
                title="Help Center", slug="helpcenter", heading=HOME_HEADINGS["en"], locale=locales["en"]
            )
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site(hostname="localhost", port=80, is_default_site=True, site_name=settings.WAGTAIL_SITE_NAME)
    if site.root_page_id != english.id:
        old_root_id = site.root_page_id
        site.root_page = english
        site.save()
        # Wagtail's initial migration leaves a "Welcome" page; drop it once nothing points at it.
        if old_root_id:
            Page.objects.filter(id=old_root_id).exclude(id=english.id).exclude(
                content_type__model="homepage"
            ).delete()
    homes = {"en": english}
    for code, locale in locales.items():
        if code == "en":
            continue
        translation = english.get_translation_or_none(locale)
        if translation is None:
            translation = english.copy_for_translation(locale, copy_parents=False, alias=False)
            translation.heading = HOME_HEADINGS[code]
            translation.save_revision().publish()
        homes[code] = translation.specific
    return homes
