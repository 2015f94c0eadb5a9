"""Trust: the bureau's key and the identity sheet it signs."""
