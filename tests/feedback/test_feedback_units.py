"""Small pieces on their own: passwords, tokens, CSRF, rate limits, origins, text limits, exports, database."""

from __future__ import annotations

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from lessonkit.feedback import auth, export
from lessonkit.feedback.cors import normalise_origin
from lessonkit.feedback.csrf import check_csrf, csrf_token_for
from lessonkit.feedback.db import Database, DatabaseURLError, normalise_url
from lessonkit.feedback.errors import ClientError
from lessonkit.feedback.models import Base, User
from lessonkit.feedback.ratelimit import Rate, RateLimiter, client_key
from lessonkit.feedback.validation import text as clean_text
from lessonkit.feedback.web import safe_next


def test_password_hash_verifies_only_the_right_password():
    stored = auth.hash_password("correct horse battery")
    assert stored.startswith("scrypt$16384$8$1$")
    assert auth.verify_password("correct horse battery", stored)
    assert not auth.verify_password("correct horse batterY", stored)
    assert auth.hash_password("correct horse battery") != stored  # salted
    assert not auth.verify_password("x", "not a hash")
    assert not auth.verify_password("x", "bcrypt$1$2$3$4$5")


def test_usernames_and_passwords_are_checked():
    with pytest.raises(auth.AuthError):
        auth.validate_username("has space")
    with pytest.raises(auth.AuthError):
        auth.validate_username("")
    with pytest.raises(auth.AuthError):
        auth.validate_password("short")
    with pytest.raises(auth.AuthError):
        auth.validate_password("x" * 257)
    assert auth.validate_username(" ada.lovelace@example ") == "ada.lovelace@example"


def test_tokens_are_unique_and_hashed():
    tokens = {auth.new_token() for _ in range(200)}
    assert len(tokens) == 200 and min(len(t) for t in tokens) >= 43
    token = auth.new_token()
    assert auth.token_hash(token) == auth.token_hash(token) and len(auth.token_hash(token)) == 64


def test_csrf_tokens_are_bound_to_nonce_and_secret():
    nonce = "n" * 43
    token = csrf_token_for("secret", nonce)
    check_csrf("secret", nonce, token)
    for secret, n, t in [("other", nonce, token), ("secret", "m" * 43, token), ("secret", None, token),
                         ("secret", nonce, None), ("secret", "bad nonce!", token), ("secret", nonce, token[:-1])]:
        with pytest.raises(ClientError) as error:
            check_csrf(secret, n, t)
        assert error.value.status == 403


def test_rate_parse():
    assert Rate.parse("30/60") == Rate(30, 60)
    assert Rate.parse("5/1m") == Rate(5, 60)
    assert Rate.parse("off").unlimited
    for bad in ("fast", "0/10", "10/0", "-1/5"):
        with pytest.raises(ValueError):
            Rate.parse(bad)


def test_rate_limiter_is_per_address_and_refills(db_url):
    now = [1_000_000.0]
    database = Database(db_url)
    database.migrate()
    try:
        limiter = RateLimiter(database, clock=lambda: now[0])
        rate = Rate(2, 10)
        assert [limiter.hit("b", "1.1.1.1", rate) for _ in range(3)] == [0, 0, pytest.approx(5.0)]
        assert limiter.hit("b", "2.2.2.2", rate) == 0  # another address has its own bucket
        assert limiter.hit("other", "1.1.1.1", rate) == 0  # and another bucket too
        now[0] += 5.0
        assert limiter.blocked("b", "1.1.1.1", rate) == 0
        assert limiter.hit("b", "1.1.1.1", rate) == 0  # one token back after 5 s
        assert limiter.blocked("b", "1.1.1.1", rate) == pytest.approx(5.0)
        with pytest.raises(ClientError) as error:
            limiter.check("b", "1.1.1.1", rate)
        assert error.value.status == 429 and error.value.headers["Retry-After"] == "5"
        assert all(limiter.hit("b", "3.3.3.3", Rate(0, 1)) == 0 for _ in range(100))
        # A clock that goes back (another host's) never adds tokens.
        now[0] -= 100
        assert limiter.hit("b", "1.1.1.1", rate) > 0
    finally:
        database.dispose()


def test_rate_limiters_over_one_database_share_their_buckets(db_url):
    """Two service processes = two limiters over one database: one limit between them (item 16)."""
    first, second = Database(db_url), Database(db_url)
    first.migrate()
    try:
        a, b = RateLimiter(first), RateLimiter(second)
        rate = Rate(3, 3600)
        waits = [limiter.hit("feedback", "9.9.9.9", rate) for limiter in (a, b, a, b, a, b)]
        assert [w == 0 for w in waits] == [True, True, True, False, False, False]
    finally:
        first.dispose()
        second.dispose()


def test_idle_rate_buckets_are_forgotten(db_url):
    now = [1_000_000.0]
    database = Database(db_url)
    database.migrate()
    try:
        limiter = RateLimiter(database, clock=lambda: now[0])
        for i in range(20):
            limiter.hit("b", f"10.0.0.{i}", Rate(1, 60))
        now[0] += 30
        limiter.hit("b", "10.0.0.99", Rate(1, 60))
        now[0] += 40
        assert limiter.forget_idle(60) == 20
        assert limiter.forget_idle(60) == 0
    finally:
        database.dispose()


@pytest.mark.parametrize(("host", "key"), [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    ("::ffff:192.0.2.1", "192.0.2.1"),
    ("fe80::1%eth0", "fe80::/64"),
    ("testclient", "testclient"),
    ("", "unknown"),
])
def test_an_ipv6_client_is_its_slash_64(host, key):
    assert client_key(host) == key


@pytest.mark.parametrize(("given_origin", "expected"), [
    ("https://Example.org/lesson/", "https://example.org"),
    ("https://example.org:443", "https://example.org"),
    ("http://127.0.0.1:8000/x", "http://127.0.0.1:8000"),
    ("http://[::1]:8000", "http://[::1]:8000"),
])
def test_normalise_origin(given_origin, expected):
    assert normalise_origin(given_origin) == expected


@pytest.mark.parametrize("bad", ["example.org", "ftp://example.org", "javascript:alert(1)", "http://", "http://x:99999"])
def test_normalise_origin_refuses_non_origins(bad):
    with pytest.raises(ValueError):
        normalise_origin(bad)


def test_clean_text_limits_and_control_characters():
    assert clean_text("  a\x00b\x1b  c ", "f", 10) == "ab c"
    assert clean_text("line\r\nnext\x07", "f", 20, multiline=True) == "line\nnext"
    assert clean_text(None, "f", 5) == ""
    with pytest.raises(ClientError) as error:
        clean_text("x" * 11, "title", 10)
    assert error.value.status == 422 and error.value.fields == {"title": "at most 10 characters"}
    with pytest.raises(ClientError):
        clean_text(" ", "f", 5, required=True)
    with pytest.raises(ClientError):
        clean_text(["list"], "f", 5)


@given(st.text(max_size=300))
def test_clean_text_never_returns_control_characters(value):
    try:
        out = clean_text(value, "f", 300, multiline=True)
    except ClientError:
        return
    assert not any(ord(c) < 32 and c not in "\n\t" for c in out)


@pytest.mark.parametrize(("target", "expected"), [
    ("/triage?status=new", "/triage?status=new"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("", "/"),
])
def test_safe_next_allows_only_local_paths(target, expected):
    assert safe_next(target) == expected


def test_render_refuses_unknown_formats():
    with pytest.raises(ValueError):
        export.render([], "xml")
    assert export.render([], "md") == "_No feedback matches these filters._\n"


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite://", "sqlite:///:memory:", "nonsense", "sqlite+aiosqlite:///x",
                                 "postgresql+asyncpg://x/y"])
def test_unsupported_database_urls(url):
    with pytest.raises(DatabaseURLError):
        normalise_url(url)


def test_database_urls_get_the_right_driver():
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite+pysqlite"


def test_sqlite_folder_must_exist(tmp_path):
    with pytest.raises(DatabaseURLError):
        Database(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")


def test_sqlite_runs_in_wal_mode_with_full_sync(sqlite_url):
    database = Database(sqlite_url)
    database.migrate()
    with database.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    database.dispose()


def test_migrations_match_the_models_and_run_twice(db_url):
    database = Database(db_url)
    database.migrate()
    database.migrate()  # idempotent: already at head
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    database.dispose()
    assert differences == []
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(resources.files("lessonkit.feedback") / "migrations"))
    assert version == ScriptDirectory.from_config(config).get_current_head()


def test_page_and_lesson_names():
    from lessonkit.feedback.submissions import check_slug

    for good in ("introduction", "01-intro", "swcarpentry__shell-novice", "données.v2", "Ünïcode"):
        assert check_slug(good, "page") == good
    for bad in ("", "has space", "../up", "/abs", ".hidden", "a/b", "x" * 201, 7, None):
        with pytest.raises(ClientError):
            check_slug(bad, "page")


def test_core_lessonkit_does_not_import_the_service(tmp_path):
    import subprocess
    import sys

    from testsupport import FIXTURES

    code = (
        "import sys\n"
        "from lessonkit.cli import main\n"
        "from lessonkit.build import Builder, BuildOptions\n"
        "from pathlib import Path\n"
        f"result = Builder(Path({str(FIXTURES / 'workbench')!r}), BuildOptions(out=Path({str(tmp_path / 'site')!r}),"
        f" cache=Path({str(tmp_path / 'cache')!r}))).build()\n"
        "assert result.ok\n"
        "loaded = sorted(m for m in ('starlette', 'sqlalchemy', 'alembic', 'uvicorn', 'psycopg',"
        " 'lessonkit.feedback.app') if m in sys.modules)\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_names_and_ids_with_a_trailing_newline_are_refused():
    from lessonkit.feedback.submissions import check_client_id, check_slug

    with pytest.raises(ClientError):
        check_slug("intro\n", "page")
    with pytest.raises(ClientError):
        check_client_id("abcdefgh1234\n")
    with pytest.raises(ClientError):
        check_csrf("secret", "n" * 43 + "\n", csrf_token_for("secret", "n" * 43 + "\n"))


def test_chart_escapes_labels_and_scales_bars():
    from lessonkit.feedback.charts import bar_chart

    svg = str(bar_chart("Q <1>", [("<script>", 4), ("b & c", 2), ("none", 0)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "b &amp; c" in svg
    assert "<title>Q &lt;1&gt;</title>" in svg
    widths = [int(w) for w in re.findall(r'class="chart-bar" x="\d+" y="\d+" width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert "4 (67%)" in svg and "0 (0%)" in svg


def test_expired_and_unknown_sessions_are_anonymous(db_url):
    from datetime import timedelta

    from feedbacksupport import add_user

    from lessonkit.feedback.models import utcnow

    add_user(db_url, "ada")
    database = Database(db_url)
    try:
        with database.write() as session:
            user = session.scalar(select(User))
            token = auth.start_session(session, user_id=user.id, days=1)
        with database.read() as session:
            assert auth.load_session(session, token).username == "ada"
            assert auth.load_session(session, token, now=utcnow() + timedelta(days=2)) == auth.ANONYMOUS
            assert auth.load_session(session, "forged-token") == auth.ANONYMOUS
            assert auth.load_session(session, "x" * 500) == auth.ANONYMOUS
    finally:
        database.dispose()
