"""Reports (reports/): a group of fewer records than this is shown as "fewer than N" to a viewer
without the view grant on a sensitive property the report uses, so that a count can't tell one
person's value."""

from config.env import env_int

REPORTS_SMALL_GROUP_MIN = max(1, env_int("REPORTS_SMALL_GROUP_MIN", 5))
