"""The co-development feedback service: widget submissions, review rounds,
questionnaires and triage, served by ``lessonkit feedback serve``.

Nothing in core lessonkit imports this package: it needs the ``service`` extra.
"""
