"""The canonical civil-service domain: code lists, identifiers, regions and schemas (pure Python)."""
