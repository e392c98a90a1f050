"""Persistence: tables, engines and the repository; the only package that builds queries."""
