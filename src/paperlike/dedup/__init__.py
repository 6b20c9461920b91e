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

import importlib

# Each name from its module, imported at its first use (PEP 562): loading a saved model needs
# the Deduplicator's state, not the candidates' joins or the rules.
_HOME = {
    "containment_ceilings": ".candidates", "Deduplicator": ".deduplicator", "COMPLETENESS_FIELDS": ".grouping",
    "completeness": ".grouping", "completeness_of": ".grouping", "abstract_cosines": ".report",
    "check_record": ".report", "iter_groups": ".report", "maybe_pairs": ".report", "versions_report": ".report",
    "Evidence": ".rules", "Verdict": ".rules", "cannot_join": ".rules", "decide": ".rules",
    "pair_evidence": ".rules", "paper_name": ".rules", "relation": ".rules",
}

__all__ = ["Deduplicator", "Evidence", "Verdict", "pair_evidence", "decide", "relation", "paper_name",
           "completeness", "completeness_of", "COMPLETENESS_FIELDS", "versions_report", "check_record", "cannot_join", "containment_ceilings",
           "abstract_cosines", "iter_groups", "maybe_pairs"]


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
