"""Input formats: each module reads one family of files into records, as rows
(:func:`~paperlike.sources.base.make_row`) that a build packs into columns and that become
Record models only where records are asked for.

The format of a file is detected from its content (``sniff``), or forced with ``format=``.
Directories are walked. A malformed record is reported as Skipped and the rest is read;
``strict=True`` makes the first one fatal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .. import parallel
from ..arguments import checked
from ..errors import BadRecordError, EmptyCorpusError, InputError, UsageError
from ..gcpause import collections_paused
from ..memory import release_free_memory
from ..records import Corpus, Record, Skipped
from . import arxiv, bibtex, columnar, delimited, listing, openalex, ris, semantic_scholar, zotero
from .base import (
    MAX_RECORD_BYTES,
    Input,
    author_name,
    unique_ids,
    with_unique_ids,
)
from .jsondoc import count_lines

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["FORMATS", "MAX_RECORD_BYTES", "read_records", "read_file", "input_files", "detect_format", "seed_paths",
           "with_unique_ids"]

# Tried in this order; the first whose sniffer claims a file reads it. The JSON exports that
# name their source (OpenAlex ids, "paperId") come before the arXiv JSON lines, which would
# also take their lines (they have a "title"); every other fixture fits one format only.
FORMATS = {"listing": listing, "bibtex": bibtex, "ris": ris, "openalex": openalex,
           "semantic-scholar": semantic_scholar, "arxiv-json": arxiv, "csv": delimited, "zotero": zotero,
           "parquet": columnar.parquet, "arrow": columnar.arrow}
# The formats told by their text (the others, binary, by their magic bytes first).
_TEXT_FORMATS = tuple(name for name in FORMATS if name not in columnar.MAGIC.values())
_SNIFF_CHARS = 65536


def detect_format(text: str, path: Path) -> str:
    """The name of the format the text is in, or InputError naming the ones tried."""
    head = text[:_SNIFF_CHARS]
    for name, module in FORMATS.items():
        if module.sniff(head):
            return name
    raise InputError(
        f"{path}: unknown format; expected {', '.join(_TEXT_FORMATS)} (use --input-format to force one)"
    )


def seed_paths() -> list[Path]:
    """The bundled seed corpus: inside the installed package, or ``seeds/`` of a checkout."""
    packaged = resources.files("paperlike") / "seeds"
    folder = Path(str(packaged))
    if not folder.is_dir():
        folder = Path(__file__).resolve().parents[3] / "seeds"
    files = sorted(p for p in folder.glob("*.txt"))
    if not files:
        raise InputError(f"{folder}: the bundled seed corpus is missing; reinstall paperlike")
    return files


def _files(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Each file to read, and whether the user named it (rather than a folder holding it)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(p.startswith(".") for p in child.relative_to(path).parts):
                    yield child, False
        else:
            yield path, True


def input_files(paths: Iterable[str | os.PathLike]) -> list[tuple[Path, bool]]:
    """The files :func:`read_records` reads for these paths, in its order, each with whether
    the user named it (rather than a folder holding it)."""
    return list(_files(Path(p) for p in paths))


def read_file(path: str | os.PathLike, named: bool = True, *, format: str | None = None, year: int | None = None,
              max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[Record | Skipped]:
    """The records of one file and the records skipped there, in the file's order, as
    :func:`read_records` reads them but with their ids not yet made unique (that takes every
    file: :func:`~paperlike.sources.base.with_unique_ids`); a reader that spreads files over
    workers calls it once per file."""
    path = Path(path)
    for item in _records_of(path, named, format, year, Input(path), max_record_bytes):
        yield item if isinstance(item, Skipped) else Record.from_row(item)


def _records_of(path: Path, named: bool, format: str | None, year: int | None,
                source: Input, limit: int, packed: bool = False) -> Iterator[tuple | Skipped | Packed]:
    """The rows of one file's records, the records skipped there, and (``packed``) records
    another process read, packed."""
    if format is None and not source.gzipped:
        with source.stream() as stream:  # the content read once (a pipe cannot be opened again)
            if stream.read(len(zotero.MAGIC)) == zotero.MAGIC:
                format = "zotero"  # binary: told by its first bytes, before the text formats are tried
    if format is None:
        with source.stream() as stream:  # binary formats first: they are told by their magic
            format = columnar.format_of(stream.read(8))
    if format is None:
        head = source.head(_SNIFF_CHARS)  # a file that is not UTF-8 is an error, named or not
        try:
            format = detect_format(head, path)
        except InputError as exc:
            if named:
                raise
            yield Skipped(path=str(path), line=1, reason=str(exc).split(": ", 1)[1])
            return
    if format not in FORMATS:
        raise InputError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if format == "arxiv-json":
        # Streamed a line at a time: the file as one str would take up to four bytes a character.
        if parallel.worth_forking("bytes", source.size):
            yield from _arxiv_in_halves(source, str(path), limit, packed)
            return
        if packed:  # into columns: a block of lines at a time
            from . import arxiv_columns

            with source.stream() as stream:
                yield from arxiv_columns.read_stream(stream, str(path), limit=limit)
            return
    with source.stream() as stream:  # every reader streams: no file is read whole
        yield from FORMATS[format].read_stream(stream, str(path), year=year, limit=limit)


class Packed(NamedTuple):
    """Records another process read, as :func:`paperlike.table.pack` packed them."""

    data: bytes
    rows: int


def _arxiv_in_halves(source: Input, path: str, limit: int, packed: bool = False
                     ) -> Iterator[tuple | Skipped | Packed]:
    """A large JSON-lines file read on two cores: the second half of its lines in a forked
    child while this process reads the first, so records still come out in the file's order.

    Each process reads from its own stream. The child sends its records back as the rows it
    made (plain tuples pickle cheaply), or, with ``packed``, as packed Arrow batches
    (:class:`Packed`, for a RecordTable) after its records skipped.
    """
    with source.stream() as stream:
        stream.seek(source.size // 2)
        while True:  # on to the next line, which is never held whole
            piece = stream.readline(1 << 16)
            if not piece or piece.endswith(b"\n"):
                break
        cut = stream.tell()

        if packed:
            from . import arxiv_columns as reader
        else:
            reader = arxiv

        def second_half() -> list[tuple | Skipped | Packed]:
            with source.stream() as own:
                first_line = count_lines(own, cut) + 1
                items = reader.read_stream(own, path, start=cut, first_line=first_line, limit=limit)
                return _packed(items) if packed else list(items)

        with parallel.in_child(second_half) as rest:
            yield from reader.read_stream(stream, path, end=cut, limit=limit)
            items = rest()
    for n, item in enumerate(items):
        items[n] = None  # each let go once passed on
        yield item


def _packed(items: Iterable[tuple | Skipped | pa.RecordBatch]) -> list[Skipped | Packed]:
    """The records skipped, then the records read (rows, and batches of them) as packed
    batches, in their order."""
    from ..columns import rows_batch
    from ..table import TABLE_ROWS, pack

    skipped: list[Skipped | Packed] = []
    batches: list[Skipped | Packed] = []
    chunk: list[tuple] = []

    def flush() -> None:
        if chunk:
            batches.append(Packed(pack(rows_batch(chunk)).to_pybytes(), len(chunk)))
            chunk.clear()

    for item in items:
        if isinstance(item, Skipped):
            skipped.append(item)
        elif isinstance(item, tuple):
            chunk.append(item)
            if len(chunk) == TABLE_ROWS:
                flush()
        else:
            flush()
            batches.append(Packed(pack(item).to_pybytes(), item.num_rows))
    flush()
    return skipped + batches


@checked
@collections_paused()
def read_records(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    format: str | None = None,
    strict: bool = False,
    year: int | None = None,
    progress: Callable[[float], None] | None = None,
    max_record_bytes: int = MAX_RECORD_BYTES,
    columnar: bool = False,
) -> Corpus:
    """Every record in the files and folders (a path, or paths), ids made unique, and the
    records skipped.

    ``year`` completes listing dates that have no year. ``progress`` is called now and then
    with the fraction of the input bytes read so far. A record larger than
    ``max_record_bytes`` (its line, entry or JSON value; MAX_RECORD_BYTES, 1 MiB, unless
    given) is skipped as malformed. Raises EmptyCorpusError if nothing usable was read,
    BadRecordError on the first malformed record if ``strict``.

    ``columnar=True`` gives the records as a :class:`~paperlike.table.RecordTable` (a sequence
    of Record over Arrow columns, filled as they are read: what ``paperlike index`` builds from,
    in a fraction of the memory of Record models); the Corpus is then not validated again.
    """
    if isinstance(paths, (str, os.PathLike)):  # one path, not the characters of one
        paths = [paths]
    if max_record_bytes < 1:
        raise UsageError(f"the record size limit must be at least 1 byte, not {max_record_bytes}")
    try:
        return _read(paths, format, strict, year, progress, max_record_bytes, columnar)
    finally:
        author_name.cache_clear()


def _read(paths: Iterable[str | os.PathLike], format: str | None, strict: bool, year: int | None,
          progress: Callable[[float], None] | None, limit: int, columnar: bool = False) -> Corpus:
    records: list[Record] | _Columns = _Columns() if columnar else []
    skipped: list[Skipped] = []
    files = list(_files(Path(p) for p in paths))
    sizes = [path.stat().st_size if path.is_file() else 0 for path, _ in files]
    total, done = max(sum(sizes), 1), 0
    for (path, named), size in zip(files, sizes):
        source = Input(path)
        if progress:
            with source.stream() as stream:
                lines = max(count_lines(stream), 1)
        for n, item in enumerate(_records_of(path, named, format, year, source, limit, packed=columnar)):
            if isinstance(item, Packed):
                records.append_packed(item)  # type: ignore[union-attr]
                continue
            if not isinstance(item, (tuple, Skipped)):  # a batch of records (columns only)
                records.append_batch(item)  # type: ignore[union-attr]
                if progress:
                    line = item.column("source_line")[-1].as_py()
                    progress((done + size * min(line / lines, 1.0)) / total)
                continue
            row = not isinstance(item, Skipped)
            if progress and n % 2000 == 0:
                line = item[-1] if row else item.line
                progress((done + size * min(line / lines, 1.0)) / total)
            if row:
                records.append(item if columnar else Record.from_row(item))
            elif strict:
                raise BadRecordError(item.path, item.line, item.reason + " (rejected by --strict)")
            else:
                skipped.append(item)
        done += size
    if progress:
        progress(1.0)
    if not records:
        named = ", ".join(str(path) for path, _ in files[:3]) + (", ..." if len(files) > 3 else "")
        raise EmptyCorpusError(f"no records found in {named or 'the inputs'}" + (
            f" ({len(skipped)} malformed, first: {skipped[0].path}:{skipped[0].line}: "
            f"{skipped[0].reason})" if skipped else "") + (
            f"; read as {format}: drop --input-format to detect the format" if format and files else ""))
    if isinstance(records, _Columns):
        return Corpus.model_construct(records=records.table(), skipped=skipped)
    return Corpus(records=with_unique_ids(records), skipped=skipped)


class _Columns:
    """Records as they are read (rows), filled into a RecordTable a batch at a time; their ids
    made unique at the end, as :func:`with_unique_ids` makes them."""

    def __init__(self) -> None:
        from ..table import RecordTable

        self._table = RecordTable()
        self._chunk: list[tuple] = []

    def append(self, row: tuple) -> None:
        from ..table import TABLE_ROWS

        self._chunk.append(row)
        if len(self._chunk) == TABLE_ROWS:
            self._flush()

    def append_packed(self, item: Packed) -> None:
        self._flush()
        self._table.append_packed(item.data, item.rows)

    def append_batch(self, batch: pa.RecordBatch) -> None:
        self._flush()
        self._table.append(batch)

    def _flush(self) -> None:
        from ..columns import rows_batch

        if self._chunk:
            self._table.append(rows_batch(self._chunk))
            self._chunk = []

    def __len__(self) -> int:
        return len(self._table) + len(self._chunk)

    def table(self):
        """The records read, ids made unique (a RecordTable)."""
        self._flush()
        table = self._table
        ids = table.column("id")
        sources = [("", 0) if path is None else (path, line)
                   for path, line in zip(table.column("source_path"), table.column("source_line"))]
        unique = unique_ids(ids, sources)
        del sources
        release_free_memory()  # the rows read, each dropped once in its batch
        return table if unique == ids else table.with_ids(unique)
