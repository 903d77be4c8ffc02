"""The settings panel: accounts and keys, general settings, the welcome, credits in the status bar."""
