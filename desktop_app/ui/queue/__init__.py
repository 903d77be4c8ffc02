"""The queue panel: every job with its state, cancel / retry / duplicate / remove, and a group's end."""
