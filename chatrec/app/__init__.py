"""app: the facade, the web UI and the command line.

Importing this package first switches off analytics, version checks and hub calls (see
`chatrec.app.offline`), so that every way into the app stays on this machine.
"""

from chatrec.app.offline import keep_offline

keep_offline()
