"""Messages back out: acknowledgements and status to authorities."""
