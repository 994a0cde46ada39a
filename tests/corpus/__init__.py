"""Corpora the project has never seen: a district's half-year of returns in unfamiliar habits, and a hostile inbox."""
