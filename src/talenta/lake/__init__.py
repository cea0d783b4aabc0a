"""The Parquet lake: bronze (as received), silver (canonical), quarantine, dq, gold, and run state."""
