"""Exit codes shared by every command (DESIGN.md §3)."""

OK = 0
PROBLEMS_FOUND = 1  # some delivery invalid, some record rejected, or the API refused
USAGE = 2  # usage error, unreadable input, bad URL
INTERRUPTED = 130
