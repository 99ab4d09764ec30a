"""The report model, its writers, the pytest plugin and the command-line interface."""
