"""The reading room: `precis ui`, a web page over a stack's records, search and trends (see precis.ui.app)."""
