"""All settings of the grader, in one place (environment variables ``GRADER_*``).

Every limit says its unit in its name. Defaults suit a 2-core machine grading homework whose
checks take milliseconds; an assignment's manifest may tighten or loosen the per-check ones.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SandboxKind = Literal["auto", "docker", "process"]


class Settings(BaseSettings):
    """Grader settings; each field can be set as ``GRADER_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="GRADER_", extra="ignore")

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

    @property
    def repo_root(self) -> Path:
        return Path(__file__).resolve().parent.parent

    @property
    def builtin_assignments(self) -> Path:
        return self.assignments_dir or self.repo_root / "assignments"

    @property
    def builtin_references(self) -> Path:
        return self.reference_dir or self.repo_root / "reference"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once from the environment)."""
    return Settings()
