"""Reading returned workbooks: open (guards first) into bounded grids, then locate, extract and check."""
