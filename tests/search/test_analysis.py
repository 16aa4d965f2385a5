"""search.analysis with real words in all six languages.

`finds(document, query)` is the matching rule of every backend: each word of the query must share
at least one term with the document (or, for a prefix group, a document word starts with it).
"""

import unicodedata

import pytest

from search.analysis import (
    MAX_QUERY_WORDS,
    analyze_query,
    document_terms,
    fold,
    iter_matches,
    lowercase,
    normalize,
    tokenize,
)


def finds(doc_text: str, doc_lang: str, query: str, query_lang: str | None = None,
          prefix_last: bool = False) -> bool:
    terms = set(document_terms(doc_text, doc_lang))
    analyzed = analyze_query(query, query_lang, prefix_last=prefix_last)
    assert analyzed.groups, f"query {query!r} produced no words"
    for group in analyzed.groups:
        if terms.intersection(group.terms):
            continue
        if group.prefixes and any(t.startswith(group.prefixes) for t in terms if "_" not in t):
            continue
        return False
    return True


# --- segmentation -------------------------------------------------------------------------------

def test_lao_sentence_without_spaces_is_split_into_words():
    # "I want to change the password" written as Lao is, without spaces between words.
    words = [t.text for t in tokenize("ຂ້ອຍຕ້ອງການປ່ຽນລະຫັດຜ່ານ", "lo")]
    assert words == ["ຂ້ອຍ", "ຕ້ອງການ", "ປ່ຽນ", "ລະຫັດ", "ຜ່ານ"]


def test_a_single_lao_word_finds_the_unspaced_sentence():
    sentence = "ວິທີປ່ຽນລະຫັດຜ່ານອີເມວຂອງທ່ານ"  # how to change your email password
    assert finds(sentence, "lo", "ລະຫັດ", "lo")
    assert finds(sentence, "lo", "ປ່ຽນ", "en")
    assert not finds(sentence, "lo", "ໂດເມນ", "lo")  # "domain" is not in it


def test_devanagari_words_keep_their_vowel_signs():
    words = [t.text for t in tokenize("ग्राहक सेवा केन्द्र", "ne")]
    assert words == ["ग्राहक", "सेवा", "केन्द्र"]


def test_offsets_point_into_the_text():
    text = "Reset the DNS records, then wait."
    for token in tokenize(text, "en"):
        assert text[token.start:token.end] == token.text


def test_punctuation_splits_words_and_hyphenated_pairs_also_join():
    words = [t.lower for t in tokenize("e-mail on example.com isn't working", "en")]
    assert words == ["e", "mail", "on", "example", "com", "isn", "t", "working"]
    assert finds("Set up e-mail on your phone", "en", "email phone")
    assert finds("Set up email on your phone", "en", "e-mail")


def test_nfkc_folds_full_width_and_ligatures():
    assert normalize("ＤＮＳ ﬁle") == "DNS file"
    assert finds("DNS file manager", "en", "ＤＮＳ ﬁle")


# --- case and diacritics ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("word", "language", "expected"),
    [
        ("BİLGİ", "tr", "bilgi"),
        ("CANLI", "tr", "canlı"),
        ("IŞIK", "tr", "ışık"),
        ("BİLGİ", "en", "bilgi"),  # never "i" + combining dot above
        ("CANLI", "en", "canli"),
        ("ŽINIŲ", "lt", "žinių"),
        ("CYFRINAIR", "cy", "cyfrinair"),
    ],
)
def test_language_aware_lowercasing(word, language, expected):
    assert lowercase(word, language) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("canlı", "canli"), ("žinių", "ziniu"), ("bazė", "baze"), ("şifre", "sifre"),
     ("ŵyr", "wyr"), ("müşteri", "musteri"), ("ğ", "g"), ("łódź", "lodz")],
)
def test_folding_removes_latin_diacritics(word, expected):
    assert fold(word) == expected


def test_folding_keeps_marks_of_other_scripts():
    assert fold("ग्राहकहरूको") == "ग्राहकहरूको"
    assert fold("ລະຫັດຜ່ານ") == "ລະຫັດຜ່ານ"


def test_turkish_uppercase_queries_find_lowercase_text():
    doc = "Canlı sohbet ile bilgi bankası desteği"  # live chat and knowledge base support
    assert finds(doc, "tr", "BİLGİ", "tr")
    assert finds(doc, "tr", "BİLGİ", "en")
    assert finds(doc, "tr", "CANLI", "tr")
    assert finds(doc, "tr", "CANLI", "en")
    assert finds(doc, "tr", "BILGI", "en")  # typed without a Turkish keyboard


def test_queries_without_diacritics_find_text_with_them():
    assert finds("Canlı sohbet ile destek", "tr", "canli sohbet", "tr")
    assert finds("Canlı sohbet ile destek", "tr", "canli sohbet", "en")
    assert finds("Kaip naudotis žinių baze", "lt", "ziniu baze", "lt")
    assert finds("Mūsų žinių bazė", "lt", "ziniu baze", "en")
    assert finds("Ailosod cyfrinair ŵyr", "cy", "wyr", "cy")


def test_folding_does_not_make_everything_match():
    assert not finds("Canlı sohbet ile destek", "tr", "canta", "tr")
    assert not finds("Mūsų žinių bazė", "lt", "domenas", "lt")


# --- stemming -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("doc", "doc_lang", "query", "query_lang"),
    [
        # Lithuanian: nominative <-> genitive plural, dative plural
        ("Klientų aptarnavimas darbo dienomis", "lt", "klientas", "lt"),
        ("Kiekvienas klientas gauna pašto dėžutę", "lt", "klientų", "lt"),
        ("Kiekvienas klientas gauna pašto dėžutę", "lt", "klientams", "en"),
        # Nepali: "of customers" <-> "customer"
        ("ग्राहकहरूको इमेल सेटिङ", "ne", "ग्राहक", "ne"),
        ("ग्राहक सेवा", "ne", "ग्राहकहरूको", "en"),
        # English: inflections
        ("Resetting forgotten passwords", "en", "reset password", "en"),
        ("How to renew an SSL certificate", "en", "renewing certificates", "en"),
        # Turkish: suffix chains, via Snowball or the five-letter prefix
        ("Sunucuya bağlanamıyorum", "tr", "sunucu", "tr"),
        ("Müşterilerimizin alan adları", "tr", "müşteri", "tr"),
        ("Yedeklerin geri yüklenmesi", "tr", "yedek", "tr"),
    ],
)
def test_inflected_forms_find_each_other(doc, doc_lang, query, query_lang):
    assert finds(doc, doc_lang, query, query_lang)


def test_stems_are_marked_with_their_language():
    # An English stem never meets a Lithuanian word that happens to be spelt the same way.
    terms = set(document_terms("klientas", "lt"))
    assert "lt_klient" in terms
    assert not any(term.startswith(("en_", "tr_")) for term in terms)


def test_welsh_and_lao_have_no_stemmer_but_match_exact_words():
    assert finds("Sut i ailosod eich cyfrinair", "cy", "cyfrinair", "cy")
    assert not finds("Sut i ailosod eich cyfrinair", "cy", "cyfrineiriau", "cy")
    # Their language-marked form is the word itself, so they score like stemmed languages.
    assert document_terms("ailosod cyfrinair", "cy") == ["ailosod", "cy_ailosod", "cyfrinair", "cy_cyfrinair"]
    assert document_terms("ລະຫັດຜ່ານ", "lo") == ["ລະຫັດ", "lo_ລະຫັດ", "ຜ່ານ", "lo_ຜ່ານ"]


# --- prefixes (suggest) -------------------------------------------------------------------------

def test_last_half_typed_word_matches_as_prefix():
    doc = "Setting up DNS records for your domain"
    assert finds(doc, "en", "dns reco", "en", prefix_last=True)
    assert not finds(doc, "en", "dns reco", "en")  # without prefix matching, "reco" is no word
    assert finds("Canlı sohbet", "tr", "canli soh", "en", prefix_last=True)
    assert finds("Mūsų žinių bazė", "lt", "žinių ba", "lt", prefix_last=True)
    assert finds("ລະຫັດຜ່ານອີເມວ", "lo", "ລະຫັ", "lo", prefix_last=True)


def test_a_finished_word_is_not_a_prefix():
    assert analyze_query("dns reco ", "en", prefix_last=True).groups[-1].prefixes == ()
    assert analyze_query("dns reco.", "en", prefix_last=True).groups[-1].prefixes == ()
    assert analyze_query("dns r", "en", prefix_last=True).groups[-1].prefixes == ()
    assert analyze_query("dns reco", "en", prefix_last=True).groups[-1].prefixes == ("reco",)
    # A lone word needs three letters before it completes.
    assert analyze_query("dn", "en", prefix_last=True).groups[0].prefixes == ()
    assert analyze_query("dns", "en", prefix_last=True).groups[0].prefixes == ("dns",)


# --- hostile input ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "query",
    ['"', "*", "NEAR(", "-", "AND OR", "a' OR 1=1; DROP TABLE search_document; --", "\x00\x01\x1f",
     "title:foo", "^", "{col}:x", ""],
)
def test_any_input_gives_terms_made_of_word_characters_only(query):
    analyzed = analyze_query(query, "en", prefix_last=True)
    for group in analyzed.groups:
        for term in group.all_terms:
            assert term
            assert all(ch.isalnum() or ch == "_" or unicodedata.combining(ch) for ch in term), term


def test_huge_queries_are_cut_to_a_bounded_number_of_words():
    analyzed = analyze_query("word " * 10_000, "en")
    assert len(analyzed.groups) == 1  # one distinct word
    analyzed = analyze_query(" ".join(f"w{i}" for i in range(5000)), "en")
    assert len(analyzed.groups) == MAX_QUERY_WORDS


def test_highlight_matches_find_the_matching_words():
    text = "Canlı sohbet: müşterilerimiz için bilgi bankası"
    query = analyze_query("canli musteri", "en")
    assert [t.text for t in iter_matches(text, "tr", query)] == ["Canlı", "müşterilerimiz"]


def _content_words(query: str, language: str | None) -> list[str]:
    return [group.word for group in analyze_query(query, language).matching_groups]


def test_function_words_depend_on_the_readers_language():
    # Turkish `size` ("to you") is an ordinary English word; Lithuanian `man` ("to me") too.
    assert _content_words("show mail size per man page", "en") == ["show", "mail", "size", "per", "man", "page"]
    assert _content_words("size nasıl yardımcı olabilirim", "tr") == ["yardımcı", "olabilirim"]
    # Function words of other languages that cannot be English words still go; English ones always.
    assert _content_words("nasıl reset password", "en") == ["reset", "password"]
    assert _content_words("how to sıfırla şifre", "tr") == ["sıfırla", "şifre"]
    # Without a known language every list applies.
    assert "size" not in _content_words("mail size", None)


def test_contraction_fragments_are_function_words():
    assert _content_words("I've lost mail and it doesn't come back", "en") == ["lost", "mail", "come", "back"]


def test_a_stem_that_is_only_a_function_word_elsewhere_still_matches():
    assert finds("Mail size limits", "en", "mail sizes", "en")
