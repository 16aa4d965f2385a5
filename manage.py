#!/usr/bin/env python
"""Django's command-line utility. Puts site/ on sys.path so the project package imports."""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BASE_DIR / "site"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
