"""Every result on disk: item folders, the index, search, trash, files and export."""
