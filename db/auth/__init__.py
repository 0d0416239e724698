"""Accounts: roles and permissions, users, login sessions and the login throttle."""
