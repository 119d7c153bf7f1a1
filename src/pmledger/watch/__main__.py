"""``python -m pmledger.watch FOLDER``: the watcher process (:mod:`pmledger.watch.daemon`)."""

import sys

from pmledger.watch.daemon import main

if __name__ == "__main__":
    sys.exit(main())
