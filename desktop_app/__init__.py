"""Meshwright: images in, 3D models out, kept in a local library."""

__version__ = "0.1.0"
APP_NAME = "Meshwright"
