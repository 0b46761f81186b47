"""The demo: a seeded world on the built-in demo platform, and the story played over it."""
