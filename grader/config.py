"""All settings of the grader, in one place (environment variables ``GRADER_*``).

Every limit says its unit in its name. Defaults suit a 2-core machine grading homework whose
checks take milliseconds; an assignment's manifest may tighten or loosen the per-check ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SandboxKind = Literal["auto", "docker", "process"]

#: Prefix of the environment variables that set the fields (any case: ``GRADER_SANDBOX``).
ENV_PREFIX = "GRADER_"


def environment_values(fields: Iterable[str], environ: Mapping[str, str] | None = None,
                       ) -> dict[str, str]:
    """The ``GRADER_<FIELD>`` variables of ``environ`` (default ``os.environ``) that name one
    of ``fields``, as ``{field: text}``; names match in any case, others are ignored."""
    wanted = set(fields)
    found: dict[str, str] = {}
    for key, value in (os.environ if environ is None else environ).items():
        if key[:len(ENV_PREFIX)].upper() == ENV_PREFIX:
            name = key[len(ENV_PREFIX):].lower()
            if name in wanted:
                found[name] = value
    return found


class Settings(BaseModel):
    """Grader settings; each field can be set as ``GRADER_<FIELD>`` in the environment.

    ``Settings(**values)`` takes ``values`` first, then the environment, then the defaults; a
    variable's text is converted as pydantic converts a string (``"5"``, ``"true"``...). This
    is pydantic-settings' behaviour for scalar fields (all of ours), without its import, which
    costs every ``grader grade`` about 0.07 s.
    """

    model_config = ConfigDict(extra="ignore", validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {**environment_values(cls.model_fields), **data}

    # --- where things live -------------------------------------------------------------
    assignments_dir: Path | None = Field(
        None, description="Folder of built-in assignments (default: the repository's).")
    reference_dir: Path | None = Field(
        None, description="Folder of reference solutions (default: the repository's).")

    # --- sandbox choice ----------------------------------------------------------------
    sandbox: SandboxKind = Field("auto", description="auto: Docker if a daemon answers, "
                                 "else the bubblewrap process sandbox.")
    sandbox_python: str = Field(
        "/usr/bin/python3",
        description="Interpreter used inside the process sandbox; must import numpy and live "
                    "where an unprivileged user can read it (Debian: python3 + python3-numpy).")
    process_memory_mb: int = Field(
        1536, description="Memory of a whole process-sandbox run (every process of it, its "
                          "/tmp included), MB; enforced by a cgroup when the grader runs as "
                          "root on a machine with cgroups.")
    process_cpus: float = Field(1.0, description="CPUs a whole process-sandbox run may use "
                                                 "(cgroup CFS quota, with the memory one).")
    sandbox_uid_base: int = Field(
        1_900_000, description="When the grader runs as root, each sandbox runs as a fresh "
                               "unprivileged uid from [base, base + 100000).")

    # --- limits per check / TODO / grading ---------------------------------------------
    check_seconds: float = Field(5.0, description="Wall-clock seconds for one check.")
    todo_seconds: float = Field(30.0, description="Wall-clock seconds for all checks of a TODO.")
    import_seconds: float = Field(10.0, description="Wall-clock seconds to import the "
                                                    "submission's modules.")
    grading_seconds: float = Field(120.0, description="Wall-clock seconds for a whole grading "
                                                      "(the sandbox is killed past it).")
    memory_mb: int = Field(512, description="Extra address space a check's process may use, MB.")
    nproc: int = Field(64, description="Processes the sandbox user may have at once.")
    output_kb: int = Field(64, description="Captured stdout+stderr kept per TODO, KB.")
    result_mb: int = Field(64, description="Bytes of outputs a TODO may send back, MB.")
    file_mb: int = Field(16, description="Largest file a check may write, MB.")
    tmpfs_mb: int = Field(64, description="Size of the sandbox's writable /tmp, MB.")
    shm_mb: int = Field(16, description="Size of the sandbox's writable /dev/shm, MB.")

    # --- submissions -----------------------------------------------------------------
    max_submission_files: int = Field(200, description="Python files accepted in a submission.")
    max_file_kb: int = Field(1024, description="Largest single submitted file, KB.")
    max_submission_kb: int = Field(10240, description="Total size of a submission "
                                                      "(uncompressed), KB.")
    max_archive_members: int = Field(20000, description="Entries read from a zip archive.")
    notebook_code_kb: int = Field(
        256, gt=0, description="Text of a notebook's code cells (outputs and text cells do "
                               "not count) reduced to a module, KB; a larger one is refused "
                               "(413) before it is parsed.")
    notebook_cpu_seconds: float = Field(
        5.0, gt=0, description="CPU seconds reducing one notebook to its definitions may "
                               "take, in the API and again in the worker; past it the "
                               "submission is refused (413).")

    # --- the service (``grader serve``) --------------------------------------------------
    data_dir: Path | None = Field(
        None, description="Folder of the service's database and uploaded assignments "
                          "(default: $XDG_DATA_HOME/dl-autograder, else "
                          "~/.local/share/dl-autograder).")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the database (default: SQLite file grader.db in "
                          "the data folder).")
    host: str = Field("127.0.0.1", description="Address the service listens on.")
    port: int = Field(8000, description="TCP port the service listens on.")
    workers: int = Field(2, ge=0, description="Gradings run at once by the server's worker "
                                              "processes (embedded queue; 0: accept "
                                              "submissions, grade none).")
    queue_poll_seconds: float = Field(
        1.0, description="Seconds an idle worker waits before looking at the queue again "
                         "(a new submission wakes it at once).")
    job_max_attempts: int = Field(
        3, description="Times a job may be started; a job whose grading killed the server "
                       "this often ends as failed instead of being retried forever.")
    max_request_kb: int = Field(
        20480, description="Largest HTTP request body accepted, KB (uploads included).")
    max_bundle_kb: int = Field(
        20480, description="Largest assignment bundle (zip, uncompressed total), KB.")
    max_roster_rows: int = Field(5000, description="Students in one roster CSV upload.")
    submissions_per_hour: int = Field(
        20, ge=0, description="Submissions one student may make to one assignment in any "
                              "hour (429 past it, with Retry-After); course instructors are "
                              "exempt; 0: no limit.")
    max_pending_per_student: int = Field(
        2, ge=0, description="Submissions of one student (all assignments) queued or being "
                             "graded at once (429 past it, with Retry-After); course "
                             "instructors are exempt; 0: no limit.")

    # --- the web portal ----------------------------------------------------------------
    session_hours: float = Field(12.0, gt=0, description="Hours a portal sign-in lasts (the "
                                                         "session cookie's lifetime).")
    cookie_secure: bool = Field(False, description="Mark the portal's cookies Secure (set it "
                                "when the service is reached over HTTPS).")
    portal_poll_seconds: float = Field(1.5, gt=0, description="Seconds between the portal's "
                                       "status requests while a grading is pending.")
    # --- course tools (issue 15): similarity, LTI 1.3 ---------------------------------
    similarity_noise_chars: int = Field(
        25, ge=5, description="Similarity: shared runs of normalized code shorter than this "
                              "many characters are ignored (copydetect's noise threshold).")
    similarity_guarantee_chars: int = Field(
        30, ge=5, description="Similarity: shared runs this long or longer are always found "
                              "(copydetect's guarantee threshold; at least the noise one).")
    similarity_max_pairs: int = Field(200, ge=1, description="Similarity: most similar "
                                                             "pairs listed.")
    lti_base_url: str | None = Field(
        None, description="LTI: this service's public URL as the LMS reaches it, e.g. "
                          "https://grader.example.edu (default: http://HOST:PORT); the login, "
                          "launch and JWKS URLs are under it.")
    lti_state_seconds: float = Field(
        600.0, gt=0, description="LTI: seconds between the OIDC login and the launch within "
                                 "which the launch is accepted.")
    lti_leeway_seconds: float = Field(
        60.0, ge=0, description="LTI: clock skew allowed on an id_token's exp and iat, "
                                "seconds.")
    lti_http_seconds: float = Field(
        20.0, gt=0, description="LTI: timeout of one request to the LMS (JWKS, token, scores, "
                                "roster), seconds.")
    lti_passback_poll_seconds: float = Field(
        2.0, gt=0, description="LTI: seconds between looks at the score outbox (a grading "
                               "also wakes the sender at once in the embedded queue).")
    lti_passback_max_attempts: int = Field(
        8, ge=1, description="LTI: tries to send one score before it is marked failed (with "
                             "backoff: 10 s, 20 s, 40 s...).")

    # --- scale-out (``GRADER_QUEUE=celery``: ``grader worker`` processes on any machines) ---
    queue: Literal["embedded", "celery"] = Field(
        "embedded", description="embedded: the server's own thread pool grades (one server "
                                "per database); celery: the server stores and enqueues, "
                                "`grader worker` processes grade (needs broker_url).")
    broker_url: str = Field("redis://127.0.0.1:6379/0",
                            description="Celery broker (Redis) of the celery queue.")
    visibility_timeout_seconds: int = Field(
        3600, description="Seconds before the broker hands an unacknowledged job to another "
                          "worker; must exceed the longest grading (grading_seconds).")
    job_heartbeat_seconds: float = Field(
        10.0, gt=0, description="Seconds between a running job's heartbeats (its worker "
                                "renews its lease on the job's row).")
    job_lease_seconds: float = Field(
        60.0, gt=0, description="Seconds without a heartbeat after which a running job's "
                                "worker is taken for dead and the job is queued again.")
    job_republish_seconds: float = Field(
        900.0, gt=0, description="Seconds after which a queued job's broker message is "
                                 "presumed lost (a broker that lost its data) and sent again; "
                                 "a duplicate is harmless.")
    sweep_seconds: float = Field(
        5.0, gt=0, description="Seconds between sweeps for dead workers' jobs and unsent "
                               "messages (run by the server and every worker).")

    # --- Docker sandbox ----------------------------------------------------------------
    docker_image: str | None = Field(
        None, description="Runner image to use as is (default: grader-runner:<digest of the "
                          "harness and Dockerfile>, built by `grader sandbox build`).")
    docker_base_image: str = Field(
        "grader-base:bookworm",
        description="Base of the runner image: grader-base:* is built locally from Debian "
                    "packages; or an image with python3 (numpy is added if missing), such as "
                    "python:3.12-slim.")
    docker_pool_size: int = Field(2, description="Containers kept started and waiting for a "
                                                 "job (0: start one per job).")
    docker_memory_mb: int = Field(1024, description="Memory of a container (RAM; swap equals "
                                                    "it, so none), MB; its tmpfs counts too.")
    docker_cpus: float = Field(1.0, description="CPUs a container may use (CFS quota).")
    docker_pids: int = Field(128, description="Processes and threads in a container at once.")
    docker_uid_base: int = Field(
        2_100_000, description="Each container runs as a fresh unprivileged uid from "
                               "[base, base + 100000) (apart from the process sandbox's).")
    docker_start_seconds: float = Field(30.0, description="Wall-clock seconds a container may "
                                                          "take to start and import numpy.")
    docker_runtime: str | None = Field(None, description="OCI runtime (runc, crun...); default: "
                                                         "the engine's.")
    docker_channel: Literal["socket", "attach"] = Field(
        "socket", description="How frames reach a container: 'socket', a unix socket in "
                              "docker_channel_dir mounted read-only into it (the engine "
                              "stays out of the way; the grader and the engine must share "
                              "that path: same machine, or the same host path mounted at "
                              "the same place in the grader's container); 'attach', the "
                              "engine's attach stream (works with any engine, remote "
                              "included; slower).")
    docker_channel_dir: Path = Field(
        Path("/tmp/grader-channels"),
        description="Where the grader makes each container's channel socket (a fresh "
                    "private folder per container, removed with it).")

    # --- operations: logs and metrics --------------------------------------------------
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text, or one JSON object per line (with the request "
                            "and job ids; docker-compose.yml sets json).")
    metrics_token: str | None = Field(
        None, description="If set, GET /metrics needs 'Authorization: Bearer <this>' (else "
                          "it is open: keep it off the internet, e.g. behind the proxy).")
    metrics_port: int = Field(
        0, ge=0, description="TCP port of a `grader worker`'s own /metrics (sandbox start "
                             "times, gradings run); 0: none.")

    @property
    def repo_root(self) -> Path:
        return Path(__file__).resolve().parent.parent

    @property
    def builtin_assignments(self) -> Path:
        return self.assignments_dir or self.repo_root / "assignments"

    @property
    def builtin_references(self) -> Path:
        return self.reference_dir or self.repo_root / "reference"

    @property
    def service_dir(self) -> Path:
        """The service's data folder (``data_dir`` or the user's data folder)."""
        if self.data_dir is not None:
            return self.data_dir
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "dl-autograder"

    @property
    def db_url(self) -> str:
        """``database_url``, or the SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.service_dir / 'grader.db'}"


class SettingsError(ValueError):
    """A ``GRADER_*`` variable's value does not fit its setting (the message names both)."""


def describe_invalid(exc: ValidationError) -> str:
    """One line per invalid setting: the variable, its value, what it should be."""
    lines = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "?"
        lines.append(f"{ENV_PREFIX}{field.upper()}={err.get('input')!r} is not valid: "
                     f"{err['msg']}. Fix or unset that environment variable.")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once from the environment).

    Raises:
        SettingsError: a ``GRADER_*`` variable has a value its setting cannot take.
    """
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe_invalid(exc)) from None
