"""The analytics copy of the summaries: one `summaries` table, the same for Athena and DuckDB."""
