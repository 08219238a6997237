"""What the service tells its operators: structured logs (``logs``) that carry a request or
job id from the HTTP request to the worker and the result, and Prometheus metrics
(``metrics``: the API's ``/metrics``, computed from the database, the broker and this
process; ``sandbox_metrics``: sandbox start times, observed where the sandbox runs)."""
