"""Imports every module of PartnerHub's apps: run by the rehearsal in the runtime-only virtualenv,
so a module that imports a package missing from requirements/base.txt fails there, not in production."""

import importlib
import pkgutil
import sys

import django

APPS = ["partnerhub", "partners", "activities", "certifications", "funds", "reporting"]


def main() -> int:
    django.setup()
    count, failures = 0, []
    for app in APPS:
        try:
            package = importlib.import_module(app)
        except ModuleNotFoundError as error:
            if error.name == app:
                continue  # an app this checkout does not have
            raise
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            try:
                importlib.import_module(module.name)
                count += 1
            except Exception as error:
                failures.append(f"{module.name}: {type(error).__name__}: {error}")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"{count} modules imported")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
