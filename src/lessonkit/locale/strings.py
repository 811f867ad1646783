"""Interface strings defined outside the templates and the site package, marked for extraction.

The block titles live in :data:`lessonkit.model.BLOCKS` and the code labels in
:data:`lessonkit.site.highlight.CODE_LABELS`; Babel finds strings only inside ``_()``/``N_()``,
so they are repeated here (a test checks that the two lists agree)."""

from __future__ import annotations

from lessonkit.locale import N_

BLOCK_TITLES = (
    N_("Objectives"), N_("Questions"), N_("Key Points"), N_("Challenge"), N_("Show me the solution"),
    N_("Give me a hint"), N_("Show details"), N_("Callout"), N_("Discussion"), N_("Checklist"),
    N_("Prerequisite"), N_("Testimonial"), N_("Caution"), N_("Instructor Note"),
)

CODE_LABELS = (N_("Output"), N_("Error"), N_("Warning"), N_("Code"))

#: Strings translated inside f-strings (which Babel's Python extractor does not look into).
IN_FORMATTED_TEXT = (
    N_("Back to the text"), N_("Footnotes"), N_("Show the code"), N_("Link to this section"), N_("Overview"),
    N_("Alt text:"), N_("instructor view"), N_("Instructor notes are shown in the %(link)s."),
    N_("Instructor notes in the episodes"), N_("This lesson has no instructor notes yet."),
    N_("This page is for instructors: see it in the %(link)s."),
)

#: Pages other features add to the site menu (lessonkit.credit).
FEATURE_PAGES = (N_("References"), N_("Contributors"), N_("Image credits"), N_("Cite this lesson"))

#: Below an episode's own references list (lessonkit.credit.bibliography).
REFERENCES = (N_("All references of the lesson"),)
