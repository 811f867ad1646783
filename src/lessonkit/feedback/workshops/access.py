"""Who may see what of a workshop (checked on the server for every page and export).

* ``"personal"`` (registrations: names, e-mail addresses, affiliations, accessibility needs;
  the CSV export): the workshop's organisers, and administrators (coordinators);
* ``"attendance"`` (sign-in codes, who signed in to which session): organisers and instructors
  of the workshop, and administrators;
* ``"report"`` (anonymous counts and survey results): the same as attendance.

Organisers and instructors are given per workshop (``WorkshopRole``): an organiser of workshop A
sees nothing of workshop B.
"""

from __future__ import annotations

from typing import Any

WHAT = ("personal", "attendance", "report")
ALLOWED = {"personal": {"organiser"}, "attendance": {"organiser", "instructor"},
           "report": {"organiser", "instructor"}}


def workshop_id_of(workshop: Any) -> int:
    return workshop if isinstance(workshop, int) else workshop.id


def role_in(user: Any, workshop: Any) -> str | None:
    """The user's role in this workshop ("organiser", "instructor"), or None."""
    wid = workshop_id_of(workshop)
    for workshop_id, role in getattr(user, "workshop_roles", frozenset()):
        if workshop_id == wid:
            return role
    return None


def can_see(user: Any, workshop: Any, what: str) -> bool:
    """Whether ``user`` (an ``auth.Viewer``) may see ``what`` of ``workshop`` (a row or its id)."""
    if what not in WHAT:
        raise ValueError(f"what must be one of {WHAT}, not {what!r}")
    if user is None or not getattr(user, "is_user", False):
        return False
    if user.is_admin:
        return True
    return role_in(user, workshop) in ALLOWED[what]
