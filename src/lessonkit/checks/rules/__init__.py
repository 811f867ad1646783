"""The rules of ``lessonkit check``, one module per subject; ``lessonkit.checks.registry`` collects them."""
