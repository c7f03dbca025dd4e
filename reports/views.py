"""HTML pages of the reports."""
