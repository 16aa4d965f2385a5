"""Articles are linked as Wagtail translations; readers are offered only live translations."""

from tests.kb.factories import make_article, translate


def translations_block(html):
    start = html.find('id="kb-translations-title"')
    return "" if start < 0 else html[start:html.index("</section>", start)]


def test_article_links_to_live_translations_only(client, article):
    lao = translate(article, "lo", "ຊີ້ໂດເມນ")
    translate(article, "ne", "डोमेन", publish=False)  # a draft translation: not offered
    block = translations_block(client.get(article.url).content.decode())
    assert f'href="{lao.url}"' in block and 'lang="lo"' in block and "ລາວ" in block
    assert "/ne/" not in block and "/cy/" not in block  # draft and missing translations: no link
    assert lao.translation_key == article.translation_key

    back = translations_block(client.get(lao.url).content.decode())
    assert f'href="{article.url}"' in back and "English" in back


def test_no_translation_block_without_translations(client, article):
    assert translations_block(client.get(article.url).content.decode()) == ""


def test_hreflang_alternates(client, article):
    lao = translate(article, "lo", "ຊີ້ໂດເມນ")
    html = client.get(article.url).content.decode()
    assert f'<link rel="alternate" hreflang="lo" href="{lao.full_url}">' in html


def test_unpublished_translation_disappears_from_the_list(client, article):
    lao = translate(article, "lo", "ຊີ້ໂດເມນ")
    lao.unpublish()
    assert translations_block(client.get(article.url).content.decode()) == ""


def test_related_articles_are_shown_in_the_readers_language(client, category, article):
    other = make_article(category, "Check DNS propagation", "dns-propagation")
    untranslated = make_article(category, "Transfer a domain", "transfer")
    from kb.services import ArticleContent, update_article

    content = ArticleContent(title=article.title, summary=article.summary, body=list(article.body.raw_data),
                             related=[other, untranslated])
    update_article(article, content, publish=True)
    lao_category = translate(category, "lo", "DNS")
    assert lao_category.locale.language_code == "lo"
    lao_other = translate(other, "lo", "ກວດ DNS")
    lao = translate(article.__class__.objects.get(pk=article.pk), "lo", "ຊີ້ໂດເມນ")

    english_html = client.get(article.url).content.decode()
    assert other.url in english_html and untranslated.url in english_html
    lao_html = client.get(lao.url).content.decode()
    related = lao_html[lao_html.index('id="kb-related-title"'):]
    related = related[: related.index("</section>")]
    assert lao_other.url in related
    assert "Transfer a domain" not in related and other.url not in related


def test_staff_translate_in_the_admin_then_publish(client, staff, kb_indexes, category, article):
    """The documented workflow: Translate (simple_translation) makes drafts; publishing links them."""
    from django.urls import reverse
    from wagtail.models import Locale

    from kb.models import ArticlePage, KBCategoryPage
    from kb.setup import ensure_staff_permissions
    from tests.factories import PASSWORD

    ensure_staff_permissions()
    client.login(username=staff.username, password=PASSWORD)
    welsh = Locale.objects.get(language_code="cy")
    url = reverse("simple_translation:submit_page_translation", args=[category.pk])
    response = client.post(url, {"locales": [welsh.pk], "include_subtree": "on"})
    assert response.status_code == 302
    welsh_category = KBCategoryPage.objects.get(locale=welsh, translation_key=category.translation_key)
    welsh_article = ArticlePage.objects.get(locale=welsh, translation_key=article.translation_key)
    assert not welsh_article.live  # a draft to translate; readers don't see it yet
    assert translations_block(client.get(article.url).content.decode()) == ""

    welsh_category.save_revision(user=staff).publish(user=staff)
    draft = welsh_article.get_latest_revision_as_object()
    draft.title = "Cyfeirio parth at eich gwesteio"
    draft.save_revision(user=staff).publish(user=staff)
    block = translations_block(client.get(article.url).content.decode())
    assert "Cymraeg" in block and ArticlePage.objects.get(pk=welsh_article.pk).url in block
