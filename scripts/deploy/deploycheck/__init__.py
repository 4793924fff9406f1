"""Checks of the deployment files under infra/ (scripts/deploy/validate.py)."""
