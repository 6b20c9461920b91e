"""The package version: one place, read by the build (hatch) and at run time without
importlib.metadata, whose import costs a command line start."""

__version__ = "0.1.0"
