"""Tanggap: takedown orders in, blocked channels out, every step on the record."""

__version__ = "0.1.0"
