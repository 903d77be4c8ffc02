"""Model files into flat numpy arrays for the preview: glTF reader, trimesh path, facts, proxies."""
