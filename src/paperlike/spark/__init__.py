"""The build and the duplicate search on Apache Spark, for corpora past one machine.

The same steps as a local build (:meth:`paperlike.PaperIndex.fit`), each a function from Spark
DataFrames to Spark DataFrames, with paperlike's own functions doing the per-record work inside
Arrow batches on the executors:

- :func:`read` reads the input files, one task per file (a gzip file cannot be split, so it is
  one task however large; give many files to use many cores);
- :func:`texts` collapses identical texts by their content hash before anything is compared;
- :func:`count_terms`, :func:`vocabulary` and :func:`vectors` tokenise, count document
  frequencies and weigh the texts in :class:`paperlike.Vectorizer`'s float32 arithmetic;
- :func:`pairs_above` is the exact cosine join (prefix filtering, an L2AP-style bound, exact
  verification in numpy blocks), for whole texts at 0.9 and titles at 0.7;
- :func:`blocked_pairs` pairs the texts that share a blocking key; :func:`verdicts` applies the
  pair rules with both records joined in; :func:`components` finds connected components by
  large-star / small-star;
- :func:`write_rows` has the executors write the TF-IDF rows in row ranges into a staging
  folder, which :func:`assemble_rows` copies into the driver's matrices;
- :func:`build_index` collects the small results and assembles an ordinary
  :class:`~paperlike.PaperIndex`, which :func:`rebuild` saves as an ordinary model folder.

Needs ``pip install 'paperlike[spark]'`` and a Java runtime. See docs/spark.md.
"""

from __future__ import annotations

from ..errors import MissingExtraError

try:
    import pyspark  # noqa: F401
except ImportError:  # pragma: no cover - depends on the installation
    raise MissingExtraError("the Spark engine needs pyspark: pip install 'paperlike[spark]' "
                            "(and a Java runtime)") from None

from .build import BuildReport, build_index, rebuild
from .dedup import blocked_pairs, components, verdicts
from .join import pairs_above
from .records import read, texts
from .rows import assemble_rows, write_rows
from .session import session
from .vectors import count_terms, vectors, vocabulary

__all__ = ["session", "read", "texts", "count_terms", "vocabulary", "vectors", "pairs_above",
           "blocked_pairs", "verdicts", "components", "write_rows", "assemble_rows", "build_index", "rebuild",
           "BuildReport"]
