"""Passwords, server-side sessions and one-time invitation tokens.

Passwords are hashed with scrypt (``hashlib.scrypt``, memory-hard, from the
standard library) and a random salt per password. Session and invitation
tokens are 256-bit random values (``secrets.token_urlsafe``); the database
keeps only their SHA-256, so a leaked database lets nobody log in or review.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lessonkit.feedback.models import (
    ROLES,
    Invitation,
    Lesson,
    LessonAccess,
    ReviewRound,
    User,
    WebSession,
    utcnow,
)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_DAYS = 7
REVIEWER_SESSION_DAYS = 30
USERNAME_MAX = 64
PASSWORD_MIN = 10
PASSWORD_MAX = 256


class AuthError(ValueError):
    """A user, password or token was refused (the message says why)."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# A hash to check against when the user does not exist, so that a wrong user name
# takes as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validate_username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > USERNAME_MAX:
        raise AuthError(f"a user name has 1 to {USERNAME_MAX} characters")
    if not all(c.isalnum() or c in "._-@" for c in username):
        raise AuthError("a user name may contain letters, digits and . _ - @ only")
    return username


def validate_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise AuthError(f"a password has at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise AuthError(f"a password has at most {PASSWORD_MAX} characters")
    return password


def create_user(session: Session, username: str, password: str, role: str = "author") -> User:
    username = validate_username(username)
    validate_password(password)
    if role not in ROLES:
        raise AuthError(f"role must be one of: {', '.join(ROLES)}")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise AuthError(f"there is already a user called {username!r}")
    user = User(username=username, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise AuthError(f"no user called {username!r}")
    return user


def grant_lessons(session: Session, username: str, lesson_ids: list[str]) -> list[str]:
    """Let an author triage these lessons' feedback (admins see every lesson anyway); returns their lessons."""
    user = _user(session, username)
    have = set(session.scalars(select(LessonAccess.lesson_id).where(LessonAccess.user_id == user.id)))
    for lesson_id in dict.fromkeys(lesson_ids):
        if session.get(Lesson, lesson_id) is None:
            raise AuthError(f"there is no lesson {lesson_id!r}")
        if lesson_id not in have:
            session.add(LessonAccess(user_id=user.id, lesson_id=lesson_id))
            have.add(lesson_id)
    session.flush()
    return sorted(have)


def withdraw_lessons(session: Session, username: str, lesson_ids: list[str]) -> list[str]:
    user = _user(session, username)
    session.execute(delete(LessonAccess).where(LessonAccess.user_id == user.id,
                                               LessonAccess.lesson_id.in_(lesson_ids)))
    return sorted(session.scalars(select(LessonAccess.lesson_id).where(LessonAccess.user_id == user.id)))


def lessons_of(session: Session, user_id: int) -> frozenset[str]:
    return frozenset(session.scalars(select(LessonAccess.lesson_id).where(LessonAccess.user_id == user_id)))


def set_password(session: Session, username: str, password: str) -> None:
    validate_password(password)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AuthError(f"no user called {username!r}")
    user.password_hash = hash_password(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        verify_password(password, _DUMMY_HASH)
        return None
    return user if verify_password(password, user.password_hash) else None


def start_session(session: Session, *, user_id: int | None = None, invitation_id: int | None = None,
                  days: int = SESSION_DAYS) -> str:
    """Create a server-side session; returns the token for the cookie."""
    token = new_token()
    now = utcnow()
    session.add(WebSession(token_hash=token_hash(token), user_id=user_id, invitation_id=invitation_id,
                           created_at=now, expires_at=now + timedelta(days=days)))
    # Housekeeping: forget sessions that have expired.
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return token


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


@dataclass(frozen=True)
class Viewer:
    """Who is making a request: an author/admin, a reviewer (through an invitation), or nobody."""

    user_id: int | None = None
    username: str = ""
    role: str = ""
    lessons: frozenset[str] = frozenset()  # an author's lessons (admins: every lesson)
    invitation_id: int | None = None
    reviewer_name: str = ""
    round_id: int | None = None
    lesson_id: str = ""
    workshop_roles: frozenset[tuple[int, str]] = frozenset()  # (workshop id, "organiser"/"instructor")

    @property
    def is_user(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_reviewer(self) -> bool:
        return self.invitation_id is not None

    @property
    def lesson_scope(self) -> frozenset[str] | None:
        """The lessons whose feedback this user may see and change (None: all of them)."""
        return None if self.is_admin else self.lessons


ANONYMOUS = Viewer()


def _workshop_roles(session: Session, user_id: int) -> frozenset[tuple[int, str]]:
    from lessonkit.feedback.models import WorkshopRole

    return frozenset((workshop_id, role) for workshop_id, role in session.execute(
        select(WorkshopRole.workshop_id, WorkshopRole.role).where(WorkshopRole.user_id == user_id)))


def load_session(session: Session, token: str | None, now: datetime | None = None) -> Viewer:
    if not token or len(token) > 128:
        return ANONYMOUS
    now = now or utcnow()
    row = session.get(WebSession, token_hash(token))
    if row is None or row.expires_at < now:
        return ANONYMOUS
    if row.user_id is not None:
        user = session.get(User, row.user_id)
        if user is None or not user.active:
            return ANONYMOUS
        lessons = frozenset() if user.role == "admin" else lessons_of(session, user.id)
        return Viewer(user_id=user.id, username=user.username, role=user.role, lessons=lessons,
                      workshop_roles=_workshop_roles(session, user.id))
    if row.invitation_id is not None:
        invitation = session.get(Invitation, row.invitation_id)
        if invitation is None or invitation.revoked_at is not None:
            return ANONYMOUS
        review_round = session.get(ReviewRound, invitation.round_id)
        if review_round is None:
            return ANONYMOUS
        return Viewer(invitation_id=invitation.id, reviewer_name=invitation.name, round_id=review_round.id,
                      lesson_id=review_round.lesson_id)
    return ANONYMOUS


# --- invitations -------------------------------------------------------------------------------

def create_invitation(session: Session, round_id: int, name: str, email: str = "") -> tuple[Invitation, str]:
    """A new invitation; returns it and the token (shown once, never stored)."""
    review_round = session.get(ReviewRound, round_id)
    if review_round is None:
        raise AuthError(f"there is no review round {round_id}")
    if review_round.closed_at is not None:
        raise AuthError(f"review round {round_id} is closed")
    name = name.strip()
    if not name or len(name) > 200:
        raise AuthError("a reviewer's name has 1 to 200 characters")
    email = email.strip()
    if len(email) > 254 or (email and "@" not in email):
        raise AuthError("that does not look like an e-mail address")
    token = new_token()
    invitation = Invitation(round_id=round_id, name=name, email=email, token_hash=token_hash(token))
    session.add(invitation)
    session.flush()
    return invitation, token


def find_invitation(session: Session, token: str) -> Invitation | None:
    if not token or len(token) > 128:
        return None
    return session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))


def redeem_invitation(session: Session, token: str) -> str:
    """Use a one-time invitation: mark it used and start a reviewer session (returns its token)."""
    invitation = find_invitation(session, token)
    if invitation is None:
        raise AuthError("this invitation link is not valid")
    if invitation.revoked_at is not None:
        raise AuthError("this invitation has been withdrawn")
    review_round = session.get(ReviewRound, invitation.round_id)
    if review_round is None or review_round.closed_at is not None:
        raise AuthError("this review round is closed")
    # Compare-and-set, so that two simultaneous uses cannot both succeed.
    claimed = session.execute(update(Invitation).where(Invitation.id == invitation.id,
                                                       Invitation.used_at.is_(None))
                              .values(used_at=utcnow()))
    if claimed.rowcount != 1:
        raise AuthError("this invitation link has already been used; ask the coordinator for a new one")
    return start_session(session, invitation_id=invitation.id, days=REVIEWER_SESSION_DAYS)


def revoke_invitation(session: Session, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise AuthError(f"there is no invitation {invitation_id}")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
    session.execute(delete(WebSession).where(WebSession.invitation_id == invitation_id))
    return invitation
