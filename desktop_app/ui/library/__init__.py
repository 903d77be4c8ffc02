"""The library panel: the grid or list, filters, the selected item's details and every library action."""
