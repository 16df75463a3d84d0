#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.settings")
    # An unconfigured checkout (no DJANGO_DEBUG, no DJANGO_SECRET_KEY, no .env) is a developer's:
    # run with development settings instead of failing on the missing secret key. Anything that
    # configures the app (production always sets a secret key) keeps production's default, DEBUG off.
    configured = {"DJANGO_DEBUG", "DJANGO_SECRET_KEY"} & os.environ.keys() or (Path(__file__).parent / ".env").exists()
    if not configured:
        os.environ["DJANGO_DEBUG"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
