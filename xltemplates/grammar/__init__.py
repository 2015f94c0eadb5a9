"""The value grammar: indicator values, units, matching of labels, placeholders."""
