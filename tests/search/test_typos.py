"""The candidates of typo correction (search/typos.py); how corrected queries find their documents
is in the behaviour suite (tests/search/test_behaviour.py), through the API on every backend."""

from search.analysis import analyze_query
from search.typos import alphabet, correct, correctable, edits


def test_every_kind_of_single_edit_is_a_candidate():
    candidates = edits("pasword")
    assert "password" in candidates  # insertion
    assert "paswrd" in candidates  # deletion
    assert "pasward" in candidates  # substitution
    assert "psaword" in candidates  # transposition of neighbours
    assert "pasword" not in candidates
    assert "passwords" not in candidates  # two edits


def test_nepali_words_get_devanagari_candidates_and_unspaced_scripts_none():
    assert "ग्राहक" in edits("ग्राहकक")
    assert alphabet("ລະຫັດ") == "" and edits("ລະຫັດ") == set()


def test_only_whole_words_of_five_letters_or_more_are_corrected():
    groups = analyze_query("dns wordpres ລະຫັດຜ່ານ migrasio", "en", prefix_last=True).groups
    corrected = {g.word: correctable(g) for g in groups if correctable(g)}
    assert corrected == {"wordpres": "wordpres"}  # not `dns`, the Lao words, nor `migrasio`, being typed


def test_a_word_the_index_holds_is_never_corrected():
    asked = []

    def lookup(terms):
        asked.append(terms)
        return {"wordpress": 9}

    analyzed = analyze_query("wordpres", "en")
    assert correct(analyzed, known={"wordpres"}, lookup=lookup).corrections == {}
    assert asked == []  # the index was not even asked
    corrected = correct(analyzed, known=set(), lookup=lookup)
    assert corrected.corrections == {"wordpres": "wordpress"}
    assert "wordpress" in corrected.analyzed.groups[0].terms
    assert corrected.did_you_mean() == "wordpress"
