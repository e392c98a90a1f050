"""The pure core: interviews, candidates and their follow-up rules. Standard library only."""
