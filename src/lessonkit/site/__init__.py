"""The HTML site renderer: lesson model in, static website out."""
