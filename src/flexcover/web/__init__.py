"""The web edge: FastAPI app factory, authentication, languages, templates and static assets."""
