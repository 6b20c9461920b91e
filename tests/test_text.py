import re

from hypothesis import given, settings
from hypothesis import strategies as st

from paperlike.text import (
    _normalized,
    ascii_word_numbers,
    folded_digest,
    folded_text,
    joined_ascii_tokens,
    normalize,
    plain_ascii,
    single_spaced,
    strip_accents,
    tokens,
)


def test_line_wraps_and_runs_of_space_become_single_spaces():
    assert normalize("Sensor simulation is\npivotal  for\tscalable\n  validation") == (
        "Sensor simulation is pivotal for scalable validation")


def test_a_hyphen_at_a_line_wrap_joins_the_word():
    assert normalize("state-of-\nthe-art") == "state-of-the-art"


def test_latex_markup_is_what_a_reader_sees():
    assert normalize(r"up to 3$\times$ faster") == "up to 3× faster"
    assert normalize(r"SALM with {\em multitask} and {\em in-context} learning") == (
        "SALM with multitask and in-context learning")
    assert normalize(r"a 5\% gain \& more") == "a 5% gain & more"
    assert normalize(r"\textbf{bold \emph{nested}} text") == "bold nested text"
    assert normalize(r"Bal\'azs and Sch\"{o}lkopf") == "Balázs and Schölkopf"


def test_unicode_is_nfc_and_html_entities_are_decoded():
    decomposed = "Z\u0307elasko"  # Z + combining dot above
    assert normalize(decomposed) == "Żelasko"
    assert normalize("Lud&#228;scher &amp; co") == "Ludäscher & co"


def test_formatting_never_changes_the_key():
    assert folded_text("Hello,\n  World!") == folded_text("hello world")
    assert folded_digest("A title", "An abstract.") == folded_digest("a  TITLE", "An\nabstract")
    assert folded_digest("A title", "x") != folded_digest("Another title", "x")


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(st.text())
def test_normalized_text_is_one_line_without_edge_spaces(text):
    out = normalize(text)
    assert "\n" not in out and out == out.strip() and "  " not in out


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_ascii_tokens_equal_the_regular_expression(text):
    assert tokens(text) == re.findall(r"\w+", text.casefold())


@given(st.lists(st.sampled_from(list("ab Z9-_.,\n\t\r&;$\\{}~'é\u00a0") + ["&amp;", "-\n", "\\em ", "lay"]))
       .map("".join))
def test_text_key_is_the_tokens_of_the_normalised_text(text):
    # folded_text skips normalize on plain ASCII text: the key must be the same as with it.
    assert folded_text(text) == " ".join(tokens(normalize(text)))


@given(st.text() | st.lists(st.sampled_from(["a", "b", " ", "  ", "\n", "\t", "\x1f", "\x85", "\xa0", "\u2003",
                                              "\u2028", "\x07", "é"])).map("".join))
def test_single_spaced_is_split_and_join(text):
    assert single_spaced(text) == " ".join(text.split())


@given(st.lists(st.sampled_from(list("ab Z9-_.,\n\t\r&;$\\{}~'é\u00a0") + ["&amp;", "-\n", "- \n", "\\em ", "lay"]))
       .map("".join))
def test_plain_ascii_shortcut_of_normalize_is_the_full_pass(text):
    assert normalize(text) == _normalized(text)


@given(st.lists(st.text(alphabet="ab_1 -.\n\t", max_size=12), max_size=8))
def test_ascii_word_count_is_the_count_of_tokens(texts):
    from paperlike.text import ascii_word_count

    assert [ascii_word_count(t) for t in texts] == [len(tokens(t)) for t in texts]


@settings(deadline=None)  # the first example imports numpy and pyarrow
@given(st.lists(st.text(alphabet=st.characters(max_codepoint=127), max_size=40), max_size=12))
def test_ascii_word_numbers_are_the_words_of_each_text_in_order(texts):
    words, numbers, counts = ascii_word_numbers(texts)
    expected = [[word.encode("ascii") for word in tokens(t)] for t in texts]
    assert len(set(words)) == len(words) and counts.tolist() == list(map(len, expected))
    found = iter(numbers.tolist())
    assert [[words[next(found)] for _ in range(count)] for count in counts] == expected


@settings(deadline=None, max_examples=400)  # the first example imports numpy
@given(st.lists(st.text(alphabet="ab Z9_.,;-\n\t(!&${\\", max_size=14), max_size=8))
def test_joined_ascii_tokens_are_each_texts_tokens_and_a_plain_texts_folded_key(texts):
    joined, offsets = joined_ascii_tokens(texts)
    assert len(offsets) == len(texts) + 1 and offsets[-1] == len(joined)
    found = [joined[a:b].decode("ascii") for a, b in zip(offsets[:-1], offsets[1:])]
    assert found == [" ".join(tokens(t)) for t in texts]
    assert [f for f, t in zip(found, texts) if plain_ascii(t)] == [folded_text(t) for t in texts if plain_ascii(t)]


@settings(deadline=None, max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(["2101.00001", "pl-ab12", "10.1/x#2", "é-id"]),
                          st.none() | st.text(alphabet="ab Z.-é&", max_size=10),
                          st.lists(st.sampled_from(["Ann Lee", "Bo Xu"]), max_size=2),
                          st.none() | st.just("") | st.text(alphabet="ab Z9_.,-\n\t&${\\é", max_size=20),
                          st.none() | st.just("Venue"), st.none() | st.just("2021")), max_size=6))
def test_text_keys_hashed_a_block_at_a_time_are_each_records_key_hashed(records):
    from paperlike.index import _text_key, _text_key_hashes
    from paperlike.keys import lookup_hash_int

    columns = [list(column) for column in zip(*records)] or [[] for _ in range(6)]
    assert _text_key_hashes(*columns) == [lookup_hash_int(_text_key(*record)) for record in records]


@settings(deadline=None)  # the first example imports scikit-learn
@given(st.text() | st.lists(st.sampled_from(["e\u0301", "é", "ﬁ", "Å", "a", " ", "ǅ", "\u0345", "𝔄", "\U0001d165",
                                              "ا\u064b", "x"])).map("".join))
def test_strip_accents_is_scikit_learns(text):
    from sklearn.feature_extraction.text import strip_accents_unicode

    assert strip_accents(text) == strip_accents_unicode(text)
