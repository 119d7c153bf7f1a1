"""The ledger in git: repository access, the field-aware merge driver, the
semantic diff between revisions and a requirement's history.

Everything talks to git through its command line (``pmledger.git.repo``), so
pmledger needs no git library and behaves exactly like the user's git.
"""
