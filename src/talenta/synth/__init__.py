"""Synthetic national source systems (issue #3): people, history, vendor spellings, defects, writers.

``talenta synth`` builds, per registered source and deterministically per seed, a source system of the
source's kind and dialect (file drop, SQLite/MariaDB database, REST data served over HTTP), plus the
defect-free truth and a manifest of every injected defect. See :mod:`talenta.synth.world`.
"""
