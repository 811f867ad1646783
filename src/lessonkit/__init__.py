"""lessonkit: build, check, review and deliver Carpentries-style lessons."""

__version__ = "0.1.0"
