"""Replaying a recorded session: its markets, books and LLM answers, on the recording's clock."""
