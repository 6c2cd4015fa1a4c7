"""L'API JSON ``/api/v1`` (documentation OpenAPI sur ``/docs``)."""
