"""A job from the paid request to a downloaded result: journal, owners, scheduler, pacing, downloads."""
