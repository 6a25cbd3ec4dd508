"""Models of the api app: agency tokens, webhook endpoints and deliveries."""
