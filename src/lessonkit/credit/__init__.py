"""Credit and publishing: citations, contributors, illustrations, citation files and releases.

* ``bibliography.py`` - the lesson's bibliography (BibTeX via pybtex, or CSL-JSON) and
  citeproc-py formatting of citations and reference lists;
* ``contributors.py`` / ``illustrations.py`` - the lesson's ``contributors.yaml`` and
  ``illustrations.yaml`` (JSON Schemas in ``schemas/``), with file:line diagnostics;
* ``pages.py`` - the Contributors, Image credits and Cite this lesson pages;
* ``exports.py`` - CITATION.cff, .zenodo.json, codemeta.json and schema.org JSON-LD;
* ``release.py`` - ``lessonkit release``;
* ``site.py`` - what the site builder asks of all this.

The format of the files is documented in docs/credit.md.
"""
