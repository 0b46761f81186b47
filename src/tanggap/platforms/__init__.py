"""Platform adapters: one module per platform behind the small interface in interface.py."""
