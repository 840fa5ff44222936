"""Personal API tokens: the account page that creates, lists and revokes them."""
