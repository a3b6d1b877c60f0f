"""The proposal report of a run: its words (content), and their PDF and HTML layouts."""
