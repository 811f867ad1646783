"""Markdown parsing shared by the readers: front matter, attributes, fenced divs and chunks."""
