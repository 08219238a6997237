"""The API's routes (``/api/v1``), one module per resource."""
