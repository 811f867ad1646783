"""Small inline SVG icons for lesson blocks (our own drawings, MIT licence)."""

from __future__ import annotations

_PATHS = {
    "challenge": '<path d="M9 9a3 3 0 1 1 4.2 2.7c-.8.4-1.2 1-1.2 1.8V15"/><circle cx="12" cy="18" r=".6"/>'
                 '<circle cx="12" cy="12" r="10"/>',
    "callout": '<circle cx="12" cy="12" r="10"/><path d="M12 8h.01M11 12h1v5h1"/>',
    "discussion": '<path d="M21 11.5a8.4 8.4 0 0 1-9 8.4 9 9 0 0 1-3.9-.9L3 21l1.9-5.1A8.4 8.4 0 1 1 21 11.5z"/>',
    "checklist": '<path d="M9 11l3 3L22 4"/><path d="M21 12v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h11"/>',
    "prereq": '<path d="M4 19.5A2.5 2.5 0 0 1 6.5 17H20V3H6.5A2.5 2.5 0 0 0 4 5.5z"/>',
    "testimonial": '<path d="M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2"/><circle cx="12" cy="7" r="4"/>',
    "caution": '<path d="M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z"/>'
               '<path d="M12 9v4M12 17h.01"/>',
    "keypoints": '<path d="M12 2l3.1 6.3 6.9 1-5 4.9 1.2 6.8L12 17.8 5.8 21l1.2-6.8-5-4.9 6.9-1z"/>',
    "instructor": '<path d="M2 7l10-5 10 5-10 5z"/><path d="M6 9.5V15c0 1.7 2.7 3 6 3s6-1.3 6-3V9.5"/>',
    "objectives": '<circle cx="12" cy="12" r="10"/><circle cx="12" cy="12" r="6"/><circle cx="12" cy="12" r="2"/>',
    "questions": '<circle cx="12" cy="12" r="10"/><path d="M9 9a3 3 0 1 1 4.2 2.7c-.8.4-1.2 1-1.2 1.8V14"/>',
}


def icon(name: str) -> str:
    path = _PATHS.get(name)
    if not path:
        return ""
    return (
        '<svg class="icon" aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="24" height="24" '
        'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
        f"{path}</svg>"
    )
