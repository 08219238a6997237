"""The exit codes of the ``grader`` commands (listed in each command's ``--help``)."""

EXIT_OK = 0
EXIT_BELOW = 1  # the score is below --fail-under (or the service's grading failed)
EXIT_REFUSED = 2  # the input cannot be graded, or the service refused the request
EXIT_UNREACHABLE = 3  # the service cannot be reached, or not logged in / token refused
EXIT_PENDING = 4  # not graded within --timeout (it still will be: `grader status ID`)
