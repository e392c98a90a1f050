"""Interview follow-up service: plans job-interview follow-ups and serves them as calendar feeds."""
