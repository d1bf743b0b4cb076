"""Model files shipped as package data (see PROVENANCE.md); loaded via importlib.resources."""
