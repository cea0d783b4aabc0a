"""Validation (issue #5): Great Expectations suites, quarantine split and data-quality results.

Importing this package is cheap: Great Expectations is imported only when a batch is validated.
"""

from talenta.validate.api import ValidationOutcome, to_tables, validate_batch

__all__ = ["ValidationOutcome", "to_tables", "validate_batch"]
