"""Enterprise self-service: the members of an enterprise keep its profile up to date."""
