import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperlike.biblio import (
    author_key,
    authors_match,
    journal_key,
    journals_match,
    main_title,
    normalize_isbn,
    normalize_pages,
    normalize_pmid,
    page_range,
    part_markers,
    split_author_list,
    title_key,
)

FAST = settings(max_examples=100, deadline=None)

# --- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("91-92", "91-92"), ("91-2", "91-92"), ("1234-56", "1234-1256"), ("S600-S601", "S600-S601"),
    ("S600-1", "S600-S601"), ("e1234", "E1234"), ("91\u201392", "91-92"), ("91\u20142", "91-92"),
    ("pp. 91-92", "91-92"), ("p. 5", "5"), ("91 - 92", "91-92"), ("91--92", "91-92"),
    ("3924-3924", "3924"), ("xii-xiv", "xii-xiv"), ("XII-XIV", "xii-xiv"), ("98-2", "98-102"),
    ("999A-999A", "999A"), ("12-", "12"), ("Suppl-99", "Suppl-99"), ("  Abstract ", "Abstract"),
    ("", None), ("  ", None), (None, None), ("pp.", None),
])
def test_normalize_pages(value, expected):
    assert normalize_pages(value) == expected


def test_page_range_of_a_range_a_page_and_garbage():
    assert page_range("1234-56") == ("1234", "1256")
    assert page_range("S600-1") == ("S600", "S601")
    assert page_range("e1234") == ("E1234", "E1234")
    assert page_range("xii-xiv") == ("xii", "xiv")
    assert page_range("999, 999-999") is None
    assert page_range("Abstract") is None
    assert page_range(None) is None


_page_text = st.text(alphabet="0123456789-–—Sep. xivXIVA,", max_size=14)


@FAST
@given(_page_text)
def test_normalize_pages_is_idempotent(value):
    once = normalize_pages(value)
    assert normalize_pages(once) == once


@FAST
@given(st.integers(1, 99999), st.integers(0, 500))
def test_an_abbreviated_range_reads_as_the_full_one(first, length):
    start, end = str(first), str(first + length)
    shared = 0
    if len(start) == len(end):
        while shared < len(end) - 1 and start[shared] == end[shared]:
            shared += 1
    short = f"{start}-{end[shared:]}"  # 1234-56, 91-2
    assert normalize_pages(short) == normalize_pages(f"{start}-{end}")
    assert page_range(short) == (start, end)


# --- author lists -----------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("Zuna, R E and Wang, S S and Group, ALTS", ["R E Zuna", "S S Wang", "ALTS Group"]),
    ("Perez de, Mendiguren B.", ["Mendiguren B. Perez de"]),
    ("Kaplan BS, Meyers KE, Schulman SL", ["Kaplan BS", "Meyers KE", "Schulman SL"]),
    ("Abarrategui Garrido, Cynthia; Martinez Barricarte, Ruben",
     ["Cynthia Abarrategui Garrido", "Ruben Martinez Barricarte"]),
    ("John Smith, Mary Jones and Bob Lee", ["John Smith", "Mary Jones", "Bob Lee"]),
    ("John Smith; Mary  Jones;", ["John Smith", "Mary Jones"]),
    ("Savell, V. H., Jr. and Risitano, AM,", ["V. H. Savell Jr.", "AM Risitano"]),
    ("Servais, A, Provot F, Rostaing L", ["A Servais", "Provot F", "Rostaing L"]),
    ("Smith, John, Jones, Mary", ["John Smith", "Mary Jones"]),
    ('M{\\"u}ller, J. and {Food and Drug Administration}', ["J. Müller", "Food and Drug Administration"]),
    ("M&#252;ller, J; Smith, K", ["J Müller", "K Smith"]),
    ("Zuna, R E and John Smith", ["R E Zuna", "John Smith"]),
    ("", []), (" ; ", []),
])
def test_split_author_list(value, expected):
    assert split_author_list(value) == expected


# --- author keys ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("Q. J. Smith", ("smith", "qj")), ("QJ Smith", ("smith", "qj")), ("Qing-Jun Smith", ("smith", "qj")),
    ("Smith QJ", ("smith", "qj")), ("Smith, Qing-Jun", ("smith", "qj")), ("Q.-J. Smith", ("smith", "qj")),
    ("R E Zuna", ("zuna", "re")),  # "E" is an initial, not a particle
    ("Müller, J", ("muller", "j")), ("K O’Brien", ("obrien", "k")),
    ("van der Berg J", ("berg", "j")), ("J. van der Berg", ("berg", "j")), ("Berg, J. van der", ("berg", "j")),
    ("M Le Quintrec", ("quintrec", "m")), ("Le Quintrec M", ("quintrec", "m")),
    ("V Fremeaux-Bacchi", ("bacchi", "v")), ("Fremeaux Bacchi V", ("bacchi", "v")),
    ("Mendiguren B. Perez de", ("mendiguren", "b")), ("Perez de, Mendiguren B.", ("mendiguren", "b")),
    ("T H Le", ("le", "th")), ("St.John, T L", ("john", "tl")),
    ("WU J", ("wu", "j")), ("J. WU", ("wu", "j")), ("Li J", ("li", "j")), ("J Li", ("li", "j")),
    ("V. H. Savell Jr.", ("savell", "vh")), ("Savell VH Jr", ("savell", "vh")),
    ("Smith JR", ("smith", "jr")), ("Smith IV", ("smith", "iv")), ("John Smith IV", ("smith", "j")),
    ("ALTS Group", ("altsgroup", "")), ("-ALTS-Group", ("altsgroup", "")),
    ("et al", None), ("", None), ("...", None),
])
def test_author_key(name, expected):
    assert author_key(name) == expected


_surname = st.from_regex(r"[A-Z][a-z]{2,9}", fullmatch=True).filter(
    lambda s: s.lower() not in {"van", "von", "der", "den", "del", "della", "les", "ter", "ten", "bin", "ibn", "ben"})
_initials = st.lists(st.sampled_from("ABCDEFGHJKLMNOPRSTW"), min_size=1, max_size=3)


@FAST
@given(_surname, _initials)
def test_author_key_is_one_across_forms(surname, letters):
    dotted = " ".join(f"{c}." for c in letters)
    forms = [f"{surname}, {dotted}", *split_author_list(f"{surname}, {dotted}"), f"{dotted} {surname}",
             f"{' '.join(letters)} {surname}", f"{surname} {''.join(letters)}"]
    keys = {author_key(form) for form in forms}
    assert keys == {(surname.lower(), "".join(letters).lower())}


def test_authors_match():
    assert authors_match(["R E Zuna", "S S Wang", "ALTS Group"], ["Zuna RE", "Wang S"]) == 1.0
    assert authors_match(["John Smith", "Ann Lee"], ["Smith J", "Park K"]) == 0.5
    assert authors_match(["J Smith"], ["K Smith"]) == 0.0  # another first initial
    assert authors_match(["Smith"], ["K Smith"]) == 1.0  # no initial on one side
    assert authors_match(["J Smith", "J Smith"], ["J Smith", "A Jones", "B Brown"]) == 0.5  # each used once
    assert authors_match([], ["Smith J"]) is None
    assert authors_match(["et al"], ["Smith J"]) is None


def test_authors_match_reads_a_surname_broken_at_a_comma():
    assert authors_match(["G Ronco", "P G Rossi"], split_author_list("Ronco, G and Giorgi, Rossi P")) == 1.0
    assert authors_match(["L Kotaniemi-Talonen"], split_author_list("Kotaniemi, Talonen L")) == 1.0


@FAST
@given(st.lists(st.sampled_from(["J Smith", "Smith J", "K Lee", "ALTS Group", "A B Chen", "et al"]), max_size=5),
       st.lists(st.sampled_from(["John Smith", "Lee K", "Chen AB", "M Park", ""]), max_size=5))
def test_authors_match_is_a_symmetric_share(a, b):
    found = authors_match(a, b)
    assert found == authors_match(b, a)
    assert found is None or 0.0 <= found <= 1.0


# --- titles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("title", [
    "[Paroxysmal nocturnal hemoglobinuria therapy with eculizumab: Spanish experience]. [Spanish]",
    "Paroxysmal nocturnal hemoglobinuria therapy with eculizumab: Spanish experience.",
    "PAROXYSMAL NOCTURNAL HEMOGLOBINURIA THERAPY WITH ECULIZUMAB - SPANISH EXPERIENCE",
    "Paroxysmal nocturnal hemoglobinuria therapy with eculizumab: Spanish experience (author's transl)",
    "Paroxysmal nocturnal hemoglobinuria therapy with eculizumab: Spanish experience [in Spanish]",
    "Paroxysmal nocturnal hemoglobinuria therapy with eculizumab: Spanish experience. [Review] [45 refs]",
    "Paroxysmal nocturnal hemoglobinuria therapy with <i>eculizumab</i>: Spanish experience",
    "Paroxysmal nocturnal hemoglobinuria therapy with {\\em eculizumab}: Sp\\'anish experience",
    "Paroxysmal nocturnal hemoglobinuria therapy with eculizumab: Spanish experience."
    "[Erratum appears in Blood. 2009;1(2):3 Note: Smith, J [added]]",
])
def test_title_key_takes_out_what_databases_add(title):
    assert title_key(title) == "paroxysmal nocturnal hemoglobinuria therapy with eculizumab spanish experience"


def test_title_key_keeps_what_tells_papers_apart():
    assert title_key("Findings from the ASCUS-LSIL Triage Study (ALTS)") == \
        "findings from the ascus lsil triage study alts"
    assert title_key("X for Y (Protocol)") != title_key("X for Y (Review)")
    assert title_key("Interferon-γ levels") == title_key("Interferon-gamma levels")
    assert title_key(None) == "" and title_key("") == ""


def test_main_title():
    assert main_title("Complement dysfunction: new therapies on the horizon") == "complement dysfunction"
    assert main_title("Complement dysfunction - new therapies") == "complement dysfunction"
    assert main_title("HPV testing. A review [Spanish]") == "hpv testing"
    assert main_title("Growth of E. coli in milk") is None
    assert main_title("A title with no subtitle [Spanish]") is None
    assert main_title(None) is None


_title = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Co", "Cn")), max_size=40)


@FAST
@given(_title)
def test_title_key_is_idempotent(title):
    key = title_key(title)
    assert title_key(key) == key


@FAST
@given(st.lists(st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True), min_size=1, max_size=8),
       st.lists(st.sampled_from([" ", ", ", " - ", ": ", "; ", " / "]), min_size=8, max_size=8))
def test_title_key_ignores_case_and_punctuation(words, seps):
    plain = " ".join(words)
    styled = "".join(w + s for w, s in zip([w.upper() if i % 2 else w for i, w in enumerate(words)], seps)) + "."
    assert title_key(styled) == title_key(plain) == plain.lower()


# --- parts of a series ------------------------------------------------------------------------


@pytest.mark.parametrize("title, expected", [
    ("Cervical screening. Part I: methods", {"part 1"}), ("Cervical screening, Part 1", {"part 1"}),
    ("Cervical screening, part one", {"part 1"}), ("Pt. 2 of the trial", {"part 2"}),
    ("Vol. 5: the atlas", {"volume 5"}), ("Case A: a woman of 40", {"case a"}), ("Case 2", {"case 2"}),
    ("A phase II trial", {"phase 2"}), ("A phase I/II trial", {"phase 1/2"}),
    ("The Nurses' Health Study II", {"study 2"}), ("Paper II: results", {"paper 2"}),
    ("Chapter 3. Methods", {"chapter 3"}), ("Supplement 1", {"supplement 1"}),
    ("Carcinoma of the cervix. I: Experience with radiotherapy", {"part 1"}),
    ("Cervical cancer: a review II", {"part 2"}), ("Cervical cancer: a review II. [German]", {"part 2"}),
    ("Complement factor H. Part Ⅱ", {"part 2"}),
])
def test_part_markers(title, expected):
    assert part_markers(title) == expected


@pytest.mark.parametrize("title", [
    "HPV 16 and 18 in women", "Type 2 diabetes", "COVID-19 in 2020", "Type I diabetes", "Factor V Leiden",
    "Grading of CIN II: results", "Fragile X syndrome", "Angiotensin II", "World War II", "Stage IV cancer",
    "In case a patient dies", "Study 2000 results", "A multi-part 2 study", "Acute phase response", None, "",
])
def test_ordinary_numbers_are_no_markers(title):
    assert part_markers(title) == frozenset()


def test_roman_and_arabic_parts_are_one():
    assert part_markers("Screening. Part II") == part_markers("Screening, part 2") == part_markers("Screening pt two")
    assert part_markers("Screening. Part II") != part_markers("Screening. Part III")


# --- journals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("J Parenter Enteral Nutr", "Journal of Parenteral and Enteral Nutrition"),
    ("NDT Plus.", "NDT plus"),
    ("Infectious Agents & Cancer [Electronic Resource]", "Infectious Agents and Cancer"),
    ("Cancer epidemiology, biomarkers & prevention : a publication of the AACR", "Cancer Epidemiol Biomarkers Prev"),
    ("Pediatric Nephrology.Conference: 44th Annual Meeting", "Pediatr Nephrol"),
    ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences of the United States of America"),
    ("Medicine (Baltimore)", "Medicine"), ("N Engl J Med", "New England Journal of Medicine"),
    ("International journal of cancer.Journal international du cancer", "International Journal of Cancer"),
    ("BJOG", "BJOG: An International Journal of Obstetrics and Gynaecology"),
    ("Paediatric Nephrology", "Pediatric Nephrology"),
    ("CMAJ : Canadian Medical Association journal = journal de l'Association medicale canadienne",
     "CMAJ Canadian Medical Association Journal"),
    ("Analytical and quantitative cytology and histology / the International Academy of Cytology",
     "Anal Quant Cytol Histol"),
])
def test_same_journal(a, b):
    assert journals_match(a, b) and journals_match(b, a)


@pytest.mark.parametrize("a, b", [
    ("Nature", "Nature Medicine"), ("Nature Reviews", "Nature Reviews Drug Discovery"), ("Cancer", "Cancers"),
    ("Gene", "Genetics"), ("J Clin Virol", "Journal of Clinical Oncology"),
    ("Mutation Research - Reviews", "Mutation Research - Genetic Toxicology"), (None, "Blood"), ("", ""),
])
def test_different_journals(a, b):
    assert not journals_match(a, b)


def test_journal_key():
    assert journal_key("The Journal of Infectious Diseases") == "journal infectious diseases"
    assert journal_key("Archives of Pathology & Laboratory Medicine") == \
        journal_key("Archives of Pathology and Laboratory Medicine")
    assert journal_key("Nature (London)") == "nature"
    assert journal_key("Zeitschrift für Kinderheilkunde") == "zeitschrift kinderheilkunde"
    assert journal_key(None) == ""


_journal = st.one_of(
    st.sampled_from(["J Clin Oncol", "Journal of Clinical Oncology", "Nature", "Nature Medicine", "Nat Med",
                     "Blood", "BJOG: An International Journal", "Pediatric Nephrology.", "The Lancet", ""]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Co", "Cn")), max_size=25))


@FAST
@given(_journal, _journal)
def test_journals_match_is_symmetric_and_reflexive(a, b):
    assert journals_match(a, b) == journals_match(b, a)
    assert journals_match(a, a) == bool(journal_key(a))


# --- identifiers ------------------------------------------------------------------------------


def test_normalize_isbn():
    assert normalize_isbn("0-19-852663-6") == normalize_isbn("978-0-19-852663-6") == "9780198526636"
    assert normalize_isbn("ISBN 0198526636 (pbk.)") == "9780198526636"
    assert normalize_isbn("080442957X") == "9780804429573"
    assert normalize_isbn(9780198526636) == "9780198526636"
    assert normalize_isbn("978-0-19-852663-6; 0-19-852663-6") == "9780198526636"
    assert normalize_isbn("12345") is None and normalize_isbn("978019852663") is None and normalize_isbn(None) is None


def test_normalize_pmid():
    for value in ("PMID: 12345", "12345", "https://pubmed.ncbi.nlm.nih.gov/12345/",
                  "http://www.ncbi.nlm.nih.gov/pubmed/12345", "PMID: 12345 [Indexed for MEDLINE]", 12345):
        assert normalize_pmid(value) == "12345"
    for value in ("PMC12345", "doi:10.1000/182", "0", "", None):
        assert normalize_pmid(value) is None


# --- any text ---------------------------------------------------------------------------------


@FAST
@given(_title)
def test_any_text_is_read_without_error(value):
    assert normalize_pages(normalize_pages(value)) == normalize_pages(value)
    for name in split_author_list(value):
        assert name and name == name.strip()
        key = author_key(name)
        assert key is None or (key[0] and isinstance(key[1], str))
    assert authors_match([value], [value]) in (None, 1.0)
    assert isinstance(part_markers(value), frozenset)
    assert main_title(value) is None or main_title(value) != title_key(value)
    assert normalize_isbn(value) is None or len(normalize_isbn(value)) == 13
    assert normalize_pmid(value) is None or normalize_pmid(value).isdigit()


_PIECES = st.sampled_from(["a", "B", "7", "_", " ", "  ", "-", "-\n", "- \n", ".", ",", ";", ":", "\n", "\t", "\x1f",
                           "(", ")", "[", "]", "{", "}", "<i>", "</i>", "&amp;", "$x$", "\\em ", "é", "Review",
                           "[Spanish]", "(author's transl)", "[Review] [45 refs]", "10 refs", "(ALTS)", "Erratum"])


@FAST
@given(st.lists(_PIECES, max_size=12).map("".join) | _title)
def test_the_title_key_of_plain_ascii_is_the_full_pass(title):
    """title_key computes the key of a plain ASCII title without normalising it or looking for
    notes: the key must be the one the full pass gives."""
    from paperlike.biblio.fold import words_key
    from paperlike.biblio.titles import clean_title

    assert title_key(title) == (words_key(clean_title(title)) if title else "")


@FAST
@given(st.text(st.characters(max_codepoint=127)))
def test_the_words_key_of_ascii_text_is_the_expressions(text):
    from paperlike.biblio.fold import _NON_WORD_RE, words_key

    assert words_key(text) == " ".join(_NON_WORD_RE.sub(" ", text.lower()).split())
