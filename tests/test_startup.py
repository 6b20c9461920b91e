"""What a command imports: ``--version`` and ``--help`` only typer (click's plain help), a query
only what it runs (numpy, pyarrow's IPC reader, pydantic, rich), never scipy.sparse, scikit-learn,
the service or the readers of formats it does not read. Each case runs in a fresh
``python -X importtime`` and names the modules that crept in; benchmarks/startup.py measures what
they cost."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

import paperlike
from paperlike import defaults, requests, sources
from paperlike import records as record_models
from paperlike.dedup import rules
from paperlike.index import PaperIndex
from paperlike.rank import Ranker

# Heavy or not needed by any query: scikit-learn (fitting only), the HTTP service, data frames,
# the parsers of BibTeX and RIS, fuzzy matching (duplicate rules), the model writers' lock and
# the parts of scipy that querying does not use.
# A query reads the model's records.arrow with pyarrow's IPC reader; pyarrow's Parquet, dataset and
# pandas layers (pandas is imported by pyarrow's to_numpy and pa.array) are never needed for it, nor
# pyarrow.compute (a 35 ms import). It reads rows and postings of plain arrays (paperlike.csr): the
# import of scipy.sparse (scipy's array-API layer, which imports numpy.f2py and numpy.testing) is
# for the commands that do sparse algebra.
NEVER_BY_ALGEBRA = ("sklearn", "fastapi", "uvicorn", "starlette", "h11", "pandas", "pyarrow.parquet",
                    "pyarrow.dataset", "pyarrow.pandas_compat", "pyarrow.json", "pyarrow.csv", "pyarrow.compute",
                    "bibtexparser", "pylatexenc", "rispy", "rapidfuzz", "filelock", "scipy.sparse.csgraph",
                    "scipy.sparse.linalg", "scipy.linalg", "scipy.optimize", "scipy.stats", "scipy.special", "joblib",
                    "threadpoolctl", "paperlike.serve", "paperlike.export")
# A query restores the Deduplicator's state but runs none of its rules, reads no input file, and
# draws no graph or feed.
NEVER_TO_QUERY = NEVER_BY_ALGEBRA + ("scipy.sparse", "scipy._lib", "numpy.f2py", "numpy.testing", "paperlike.sources",
                                     "paperlike.biblio", "paperlike.dedup.rules", "paperlike.dedup.candidates",
                                     "paperlike.feed", "paperlike.graph", "paperlike.listfiles", "xml",
                                     "multiprocessing")
# --version and --help build the commands' options and run none of them. (A command's own --help
# builds its parameters, for which typer itself imports pydantic: allowed there, not paperlike's models.)
NEVER_FOR_HELP = NEVER_TO_QUERY + ("rich", "pyarrow", "numpy", "scipy", "paperlike.api", "paperlike.records", "paperlike.requests", "paperlike.results", "paperlike.index",
                                   "paperlike.store", "paperlike.sources", "paperlike.dedup", "paperlike.graph")
NEVER_FOR_VERSION = NEVER_FOR_HELP + ("pydantic", "pydantic_core")

_LINE = re.compile(r"import time:\s+\d+ \|\s+\d+ \|\s*(\S+)")


def imported(*args: str) -> set[str]:
    """The modules a fresh Python imports to run ``paperlike ARGS`` (python -m paperlike)."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "paperlike", *args], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return {m[1] for m in map(_LINE.match, run.stderr.splitlines()) if m}


def crept_in(modules: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden))


def test_the_import_list_is_read():
    """The parser of -X importtime sees the modules (so that the tests below cannot pass empty)."""
    modules = imported("--version")
    assert {"typer", "paperlike", "paperlike.cli", "paperlike.defaults"} <= modules


def test_version_imports_only_typer():
    assert crept_in(imported("--version"), NEVER_FOR_VERSION) == []


@pytest.mark.parametrize("args", [["--help"], ["similar", "--help"], ["index", "--help"], ["dupes", "--help"],
                                  ["eval", "dupes", "--help"]])
def test_help_imports_no_machinery(args):
    assert crept_in(imported(*args), NEVER_FOR_HELP) == []


def test_the_main_help_imports_no_pydantic():
    assert crept_in(imported("--help"), ("pydantic", "pydantic_core")) == []


@pytest.fixture(scope="module")
def topic_model(tmp_path_factory, seed_corpus):
    """A saved model with every part a query reads, the LSA included (the seeds are fewer texts
    than the default threshold for topics)."""
    path = tmp_path_factory.mktemp("startup") / "model"
    paperlike.save_index(PaperIndex(ranker=Ranker(lsa_min_texts=10)).fit(seed_corpus.records), path)
    return path


@pytest.mark.parametrize("query", [["FastCorrect 2"], ["--text", "error correction for speech recognition"],
                                   ["FastCorrect 2", "--category", "cs.CL", "--since", "2021"]])
def test_a_query_imports_no_sparse_algebra_fitting_service_or_readers(topic_model, query):
    modules = imported("similar", *query, "--model", str(topic_model))
    assert {"numpy", "paperlike.csr", "paperlike.index", "paperlike.terms", "paperlike.lsa"} <= modules
    assert crept_in(modules, NEVER_TO_QUERY) == []


def test_diverse_results_import_sparse_algebra_and_nothing_else(topic_model):
    """--diverse compares the candidates with each other (a sparse Gram matrix): scipy.sparse is
    imported then, and still none of the rest."""
    modules = imported("similar", "--text", "speech recognition", "--diverse", "--format", "json",
                       "--model", str(topic_model))
    assert "scipy.sparse._base" in modules
    assert crept_in(modules, NEVER_BY_ALGEBRA) == []


def test_the_models_build_their_validators_when_used():
    """paperlike.records, requests and results defer each model's validator to its first use (a
    command builds the few it uses, not all forty); the service builds its request bodies when
    it is imported (FastAPI wants them built)."""
    run = subprocess.run([sys.executable, "-c", "import inspect, pydantic\n"
                          "from paperlike import records, requests, results\n"
                          "built = lambda: sorted(n for m in (records, requests, results) for n, c in vars(m).items() "
                          "if inspect.isclass(c) and issubclass(c, pydantic.BaseModel) and c.__module__ == m.__name__ "
                          "and c.__name__ == n and c.__pydantic_complete__)\n"
                          "print(built()); requests.SimilarRequest(query='x'); print(built())\n"
                          "import paperlike.serve; print(built())"],
                         capture_output=True, text=True, timeout=120)
    bodies = ["CheckRequest", "DecideRequest", "FeedRequest", "RecommendRequest", "SimilarRequest"]
    assert run.stdout.splitlines()[:2] == ["[]", str(["Filters", "SimilarRequest"])], run.stderr
    assert set(bodies) <= set(ast.literal_eval(run.stdout.splitlines()[2])), run.stderr


def test_info_and_papers_import_no_fitting_service_or_readers(topic_model):
    for args in (["info"], ["papers", "--format", "jsonl"]):
        assert crept_in(imported(*args, "--model", str(topic_model)), NEVER_TO_QUERY) == []


def test_the_help_shows_the_defaults_of_the_modules_that_use_them():
    """paperlike.defaults holds what --help shows; the modules that use the values take them
    from there (one value, not two)."""
    assert tuple(sources.FORMATS) == defaults.INPUT_FORMATS
    assert requests.MAX_K is defaults.MAX_K and requests.MAX_DIVERSE_K is defaults.MAX_DIVERSE_K
    assert rules.RELATIONS is defaults.RELATIONS
    assert paperlike.DEFAULT_MODEL is defaults.DEFAULT_MODEL
    assert sources.MAX_RECORD_BYTES is defaults.MAX_RECORD_BYTES


def test_the_package_resolves_its_public_names_when_asked():
    """``import paperlike`` is light, and every name of ``__all__`` resolves to its module's object;
    the module paperlike.recommend does not hide the API function of that name."""
    run = subprocess.run([sys.executable, "-c", "import sys, paperlike; print('numpy' in sys.modules, "
                          "'pydantic' in sys.modules)"], capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == ["False", "False"], run.stderr
    import paperlike.api
    import paperlike.recommend  # noqa: F401  (the module, imported: the function stays)

    for name in paperlike.__all__:
        assert getattr(paperlike, name) is not None
    assert paperlike.recommend is paperlike.api.recommend
    assert paperlike.similar is paperlike.api.similar
    assert paperlike.Record is record_models.Record
    assert paperlike.graph.__name__ == "paperlike.graph"
    assert isinstance(paperlike.__version__, str)
    with pytest.raises(AttributeError):
        paperlike.no_such_name  # noqa: B018


_OPTIONS_OF_EVERY_COMMAND = """
import typer.main
from paperlike import cli

def options(command, path=()):
    found = {path: [(p.name, tuple(p.opts), p.bare_type(), repr(p.type_descriptor.annotation), repr(p.default), p.required,
                     p.multiple, p.nargs, p.is_flag if hasattr(p, "is_flag") else None, getattr(p, "help", None))
                    for p in command.params]}
    for name, sub in getattr(command, "commands", {}).items():
        found.update(options(sub, path + (name,)))
    return found

before = options(typer.main.get_command(cli.app))
cli._evaluate_annotations(cli.app)
after = options(typer.main.get_command(cli.app))
print(len(before), before == after)
"""


def test_evaluating_the_annotations_first_changes_no_option():
    """main() evaluates the commands' string annotations once before typer reads them (typer
    evaluates them three times per run otherwise): every command's options stay the same."""
    run = subprocess.run([sys.executable, "-c", _OPTIONS_OF_EVERY_COMMAND], capture_output=True, text=True,
                         timeout=120)
    count, same = run.stdout.split()
    assert int(count) >= 17 and same == "True", run.stderr
