"""Our grading packaged as a Gradescope autograder (``grader export-gradescope``)."""
