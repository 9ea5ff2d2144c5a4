"""The web console: a door beside the command line (floor 7).

It parses a request, calls the same library the CLI calls, and presents the answer as a Vietnamese page:
`app` (the Flask application, its security headers and session), `auth` (sign-in, sessions, CSRF, roles),
`ratelimit` (failed sign-ins), `source` (the project and ledger a request reads), `overview`, `pages`
(plan, log, report), `approvals`, and `server` (waitress, alone or in a thread of `danvan run`).
"""
