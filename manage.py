#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # The settings refused the environment (`DJANGO_DEBUG=ture`): their message names the
        # variable and what it accepts, which a traceback through Django's loader would bury.
        # Errors raised once the settings have loaded keep their traceback.
        if settings.configured:
            raise
        sys.exit(f"ImproperlyConfigured: {error}")


if __name__ == "__main__":
    main()
