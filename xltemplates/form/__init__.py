"""Template files -> frozen dataclasses (model), with errors naming file and key path (load)."""
