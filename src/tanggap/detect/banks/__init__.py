"""Hash banks: lists of known terrorist (positive) and known-benign (negative) media hashes,
imported from the lists GIFCT, Tech Against Terrorism and ThreatExchange share, and matched
against every media item of a case's channel.

Kept import-light on purpose: ``tanggap.store.tables`` imports :mod:`.tables` from here, so
nothing in this package's ``__init__`` may pull in numpy, Pillow or the store.
"""
