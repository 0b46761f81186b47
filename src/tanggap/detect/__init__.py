"""Detection: normalisation, language, the terrorism classifier, lexicon, hash banks, channel risk
and ban evasion. Pure functions and model files; the services decide what to do with a signal."""
