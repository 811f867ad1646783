"""Browser tests: Playwright driving Debian's chromium against sites served on localhost.

The session-wide ``browser`` fixture lives in tests/conftest.py (Playwright allows one
sync API instance per thread, so every module in a worker shares it)."""
