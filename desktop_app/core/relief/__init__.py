"""The offline relief generator: mask, height, mesh, and the image filters it needs."""
