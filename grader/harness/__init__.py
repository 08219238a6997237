"""The grading harness: the only part of the grader that runs inside the sandbox.

It imports the student's modules, runs every TODO's checks in a child process of its own
(with time, memory, process and output limits), gives every call fresh copies of its inputs,
and streams the *outputs* back as plain data. It never sees expected outputs or reference
code and never decides a score: comparison happens outside, in trusted code.

Rules for this package: stdlib and numpy only; nothing imported from the rest of ``grader``
(the sandbox receives just these files, as the package ``grader_harness``).
"""

#: Version of the job/result protocol spoken by this harness.
PROTOCOL_VERSION = 1
