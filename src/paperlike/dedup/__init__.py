"""Versions of one paper: which texts of an index are the same paper, why, and how they relate.

The work is in three steps, one module each, and a fourth that reports:

- :mod:`~paperlike.dedup.candidates`: pairs worth comparing, from sparse joins and blocking;
- :mod:`~paperlike.dedup.rules`: the evidence of each pair, and the rules and vetoes that read it
  (same paper, maybe, different), with the relation of two records of one paper;
- :mod:`~paperlike.dedup.grouping`: groups from the verified pairs that never hold two records
  a veto keeps apart, whatever the order of the input;
- :mod:`~paperlike.dedup.report`: ``dupes`` and ``check`` answers.

:class:`Deduplicator` runs the first three on the texts of an index.
"""

from .candidates import containment_ceilings
from .deduplicator import Deduplicator
from .grouping import COMPLETENESS_FIELDS, completeness, completeness_of
from .report import abstract_cosines, check_record, iter_groups, maybe_pairs, versions_report
from .rules import Evidence, Verdict, cannot_join, decide, pair_evidence, paper_name, relation

__all__ = ["Deduplicator", "Evidence", "Verdict", "pair_evidence", "decide", "relation", "paper_name",
           "completeness", "completeness_of", "COMPLETENESS_FIELDS", "versions_report", "check_record", "cannot_join", "containment_ceilings",
           "abstract_cosines", "iter_groups", "maybe_pairs"]
