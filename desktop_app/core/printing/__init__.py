"""Print-ready models: check, repair, placement, 3MF and slicers."""
