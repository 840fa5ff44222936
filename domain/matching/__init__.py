"""The matcher: for a purchase (an intention or one of its lots), which inclusive
enterprises can answer it, under which reservation, alone or in a co-bidding group, and
why. Plain Python fed with plain data (``facts``); no Flask, no database."""
