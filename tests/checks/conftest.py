"""Print the per-rule counts of the corpus check at the end of the test run (also under xdist)."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for report in terminalreporter.stats.get("passed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "corpus-rule-counts":
                terminalreporter.section("lessonkit check: diagnostics per rule on the shared corpus")
                for rule, count in sorted(value.items(), key=lambda item: (-item[1], item[0])):
                    terminalreporter.write_line(f"{count:6d}  {rule}")
                terminalreporter.write_line(f"{sum(value.values()):6d}  in all")
