"""Claims: a person asks to manage an enterprise's profile; someone decides."""
