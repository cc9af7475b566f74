"""The warehouse and its engines: connections, the raw layer's tables, server backends, roles."""
