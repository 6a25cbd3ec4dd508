"""The 机构 sheet of an operator's onboarding file: bodies and their boards.

- ``rows``: reads and validates the organisation rows (cells, codes, the tree, regions);
- ``writing``: turns valid rows into specs and writes them through the directory sync
  (``organizations.loading.sync``), boards matched by (body, leader title).

The whole onboarding import, with the staff sheet (人员) and all-or-nothing writing, is
``accounts.onboarding.import_organizations``: staff accounts and posts belong to accounts,
which sits above organizations. The file format is documented in docs/directory.md.
"""
