"""What a model asks for: schemas in one normalised form, their fields and values."""
