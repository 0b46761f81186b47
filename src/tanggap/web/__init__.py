"""The web edge: REST API v1, the moderator console, public transparency."""
