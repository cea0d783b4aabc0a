"""Validation (issue #5): Great Expectations suites, quarantine split and data-quality results.

Importing this package is cheap: Great Expectations is imported only when a batch is validated.
"""

from talenta.validate.api import ValidationOutcome, to_tables, validate_batch
from talenta.validate.datadocs import build_data_docs, datadocs_dir, gx_results_dir

__all__ = ["ValidationOutcome", "build_data_docs", "datadocs_dir", "gx_results_dir", "to_tables", "validate_batch"]
