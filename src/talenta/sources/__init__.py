"""Sources: the registry of ~644 personnel systems, their dialects, connectors and harmonization."""
