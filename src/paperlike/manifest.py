"""The manifest of a saved model: its schema, the files a model must have, and its own digest.

``manifest.json`` says how a model was made and holds the size and SHA-256 of every other file;
these checks make it trustworthy enough to load: a strict schema, the list of required files
decided by this code (:func:`required_files`), and ``manifest_sha256``, the digest of the rest
of the manifest in a canonical form (keys sorted, no spaces). What each protects against, and
what no check can (none is a signature): docs/models.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["Manifest", "RefitManifest", "ARRAYS", "LSA_ARRAYS", "JSON_FILES", "OPTIONAL_FILES", "RECORDS", "CITE",
           "KEY_TABLES", "required_files", "digest"]

RECORDS = "records.arrow"
CITE = "cite.arrow"  # the records' citing fields, uncompressed (format 8 on)
JSON_RECORDS = ("records.jsonl", "record_offsets.npy")  # the records of formats 3 to 6
KEY_TABLES = ("id", "title", "short", "text")
# The arrays a model of this format holds, and their dtypes; save writes each with its dtype
# from here (a name missing here fails the save), so this is the list of what save writes.
ARRAYS: dict[str, str] = {
    "idf": "float32",
    "text_of_record": "int64", "record_of_text": "int64", "paper_of_text": "int64", "canonical": "int64",
    "version_pairs": "int64", "version_scores": "float32", "maybe_pairs": "int64", "maybe_scores": "float32",
    "record_date": "int32", "record_category_indices": "int32", "record_category_indptr": "int64",
    "X_data": "float32", "X_indices": "int32", "X_indptr": "int64",
    "XT_data": "float32", "XT_indices": "int32", "XT_indptr": "int64",
    "bm25_postings": "float32", "bm25_idf": "float32",
    **{f"keys_{name}_{part}": dtype for name in KEY_TABLES for part, dtype in (("hash", "uint64"), ("value", "int64"))},
}
LSA_ARRAYS: dict[str, str] = {"lsa_terms": "int32", "lsa_components": "float32", "lsa_embeddings": "float16"}
JSON_FILES = ("vocabulary.json", "version_rules.json", "generic_titles.json", "categories.json", "decisions.json")
OPTIONAL_FILES = ("additions.json",)
"""Files a model of this format may have: when its records came in (the feed's), which models
saved before it was kept do not have; when listed, they are checked as every file is."""

_BIG = 2**62  # above any count a model can have; keeps numbers where numpy takes them
_FILE_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$"  # a plain name in the folder: no path, no dot file


def required_files(lsa: bool) -> set[str]:
    """The files (besides the manifest) a model of this format must list and have."""
    arrays = {**ARRAYS, **(LSA_ARRAYS if lsa else {})}
    return {RECORDS, CITE, *JSON_FILES, *(f"{name}.npy" for name in arrays)}


def digest(manifest: dict) -> str:
    """The SHA-256 of a manifest without its ``manifest_sha256``, in canonical JSON."""
    rest = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    text = json.dumps(rest, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class _Strict(BaseModel):
    # strict: no "4" for 4, no true for 1; no NaN or infinity; nothing unknown. Validators built
    # at first use (the manifest's on loading, the refit's only for --refit).
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, defer_build=True)


Count = Annotated[int, Field(ge=0, le=_BIG)]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class FileEntry(_Strict):
    bytes: Count
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


Files = dict[Annotated[str, Field(pattern=_FILE_NAME)], FileEntry]


class VectorizerParams(_Strict):
    title_weight: Annotated[int, Field(ge=0, le=100)]
    lowercase: bool
    strip_accents: Literal["unicode", "ascii"] | None
    token_pattern: Annotated[str, Field(min_length=1, max_length=1000)]
    stop_words: Union[Literal["english"], list[str], None]
    ngram_range: Annotated[list[Annotated[int, Field(ge=1, le=10)]], Field(min_length=2, max_length=2)]
    min_df: Union[Annotated[int, Field(ge=0, le=_BIG)], Unit]
    max_df: Union[Annotated[int, Field(ge=0, le=_BIG)], Unit]
    max_features: Annotated[int, Field(ge=1, le=_BIG)] | None
    sublinear_tf: bool
    smooth_idf: bool

    @field_validator("token_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except (re.error, RecursionError, OverflowError) as exc:
            raise ValueError(f"not a regular expression ({exc})") from None
        return value

    @field_validator("ngram_range")
    @classmethod
    def _ordered(cls, value: list[int]) -> list[int]:
        if value[0] > value[1]:
            raise ValueError("the smaller n comes first")
        return value


class DedupParams(_Strict):
    threshold: Unit
    title_threshold: Unit


Seed = Annotated[int, Field(ge=0, le=2**32 - 1)] | None


class RankerParams(_Strict):
    k1: Annotated[float, Field(ge=0.0, le=1000.0)]
    b: Unit
    lambda_paper: Annotated[float, Field(ge=0.0, le=1000.0)]
    lambda_text: Annotated[float, Field(ge=0.0, le=1000.0)]
    candidates: Annotated[int, Field(ge=1, le=_BIG)]
    n_components: Annotated[int, Field(ge=1, le=100_000)]
    svd_sample: Annotated[int, Field(ge=1, le=_BIG)]
    random_state: Seed
    lsa_min_texts: Annotated[int, Field(ge=0, le=_BIG)]


class Parameters(_Strict):
    vectorizer: VectorizerParams
    dedup: DedupParams
    ranker: RankerParams
    explain_terms: Annotated[int, Field(ge=0, le=1000)]


class LsaState(_Strict):
    n_components: Annotated[int, Field(ge=1, le=100_000)]
    sample: Annotated[int, Field(ge=1, le=_BIG)]
    n_iter: Annotated[int, Field(ge=0, le=1000)]
    random_state: Seed
    rank: Annotated[int, Field(ge=1, le=100_000)]


class RankerState(_Strict):
    avgdl: Annotated[float, Field(ge=0.0)]
    lsa: LsaState | None


class Counts(_Strict):
    records: Annotated[int, Field(ge=1, le=_BIG)]
    texts: Annotated[int, Field(ge=1, le=_BIG)]
    papers: Annotated[int, Field(ge=1, le=_BIG)]
    vocabulary: Count
    nonzeros: Count

    @model_validator(mode="after")
    def _consistent(self) -> Counts:
        if not self.papers <= self.texts <= self.records:
            raise ValueError("counts: papers <= texts <= records does not hold")
        if self.nonzeros > self.texts * self.vocabulary:
            raise ValueError("counts: more non-zeros than texts x vocabulary")
        return self


class SourceCount(_Strict):
    path: str
    records: Count


class Updates(_Strict):
    records_added: Count = 0
    tokens: Count = 0
    out_of_vocabulary: Count = 0


class Manifest(_Strict):
    """The manifest of a model of this format (see the module doc)."""

    format: Literal["paperlike-index"]
    format_version: int
    created: Annotated[str, Field(max_length=100)]
    versions: dict[str, Annotated[str, Field(max_length=200)]]
    parameters: Parameters
    ranker: RankerState
    counts: Counts
    sources: list[SourceCount]
    updates: Updates
    files: Files
    manifest_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

    @model_validator(mode="after")
    def _every_file(self) -> Manifest:
        if sum(s.records for s in self.sources) > self.counts.records:
            raise ValueError("sources: more records than the model holds")
        if self.ranker.lsa is not None and self.ranker.lsa.rank > self.ranker.lsa.n_components:
            raise ValueError("ranker.lsa: a rank above n_components")
        want = required_files(self.ranker.lsa is not None)
        missing, extra = sorted(want - set(self.files)), sorted(set(self.files) - want - set(OPTIONAL_FILES))
        if missing:
            raise ValueError(f"files: {missing[0]} is not listed ({len(missing)} of {len(want)} files missing)")
        if extra:
            raise ValueError(f"files: {extra[0]} is not a file of this model format")
        return self


class RefitParameters(_Strict):
    model_config = ConfigDict(extra="ignore")  # older formats had other keys; refit reads these

    vectorizer: VectorizerParams
    dedup: DedupParams
    ranker: RankerParams | None = None


class RefitManifest(_Strict):
    """What ``paperlike index --refit`` reads of a model of an older format version: its records
    (records.arrow, or records.jsonl and their offsets before format 7), its decisions, and the
    parameters to fit with again."""

    model_config = ConfigDict(extra="ignore")

    format: Literal["paperlike-index"]
    format_version: int
    parameters: RefitParameters
    counts: Counts | None = None
    files: Files

    @model_validator(mode="after")
    def _records_listed(self) -> RefitManifest:
        # format 7 on: the records file and the counts that say its length; before: JSON lines
        for name in (RECORDS,) if RECORDS in self.files else JSON_RECORDS:
            if name not in self.files:
                raise ValueError(f"files: {name} is not listed")
        if RECORDS in self.files and self.counts is None:
            raise ValueError("counts: missing")
        return self
