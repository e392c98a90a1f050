"""The HTTP edge: request and response schemas, dependencies, routers and error answers."""
