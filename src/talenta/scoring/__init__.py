"""Nightly talent scoring (9-box, pools) and cross-region mobility matching (issue #7).

Pure pandas/numpy/scipy functions over warehouse-shaped DataFrames; :mod:`talenta.scoring.io` is the
only module that touches the warehouse, :mod:`talenta.scoring.pipeline` wires one nightly run.
"""
