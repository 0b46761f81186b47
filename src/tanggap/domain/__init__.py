"""The domain core: plain Python, no storage, no HTTP, no clock of its own."""
