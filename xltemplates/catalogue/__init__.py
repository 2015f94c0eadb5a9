"""The forms a bureau can use: template files loaded (with their rules) and found by id."""
