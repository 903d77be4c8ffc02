"""One module per generation service; no Qt here."""
