"""One module per signal type; each defines a :class:`~tanggap.detect.banks.signals.SignalType`
subclass and is found by :func:`~tanggap.detect.banks.signals.signal_types` (no list to edit)."""
