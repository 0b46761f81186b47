"""Detection: language, and (later) classifiers, lexicon, hash matching, channel risk."""
