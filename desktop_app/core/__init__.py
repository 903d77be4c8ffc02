"""Qt-free core: schemas, images, jobs, scheduling, downloads, library, meshes, settings."""
