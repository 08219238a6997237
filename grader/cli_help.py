"""How ``grader --help`` shows options and exit codes (shared by every command).

Typer shows the type of every option, so a boolean flag such as ``--show-hidden`` read as
``--show-hidden <bool>``, as if it took a value; ``flags_take_no_value`` makes a flag show
no type. The exit codes (``exit_codes.py``) are listed in each command's help (``exit_codes``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.core import TyperOption

if TYPE_CHECKING:  # the real click is not otherwise imported by the CLI (typer carries its own)
    import click

from .exit_codes import EXIT_BELOW, EXIT_OK, EXIT_PENDING, EXIT_REFUSED, EXIT_UNREACHABLE

MEANING = {
    EXIT_OK: "done (whatever the score)",
    EXIT_BELOW: "the score is below --fail-under",
    EXIT_REFUSED: "the submission or assignment cannot be graded (the message says why)",
}
APP_MEANING = {
    EXIT_OK: "done",
    EXIT_BELOW: "done, but not as asked (a score below --fail-under, a failed `grader check`)",
    EXIT_REFUSED: "it cannot be done (the message says why)",
    EXIT_UNREACHABLE: "the grading service cannot be reached, or refused your token",
    EXIT_PENDING: "not graded within --timeout",
}
CLIENT_MEANING = {
    EXIT_OK: "done (whatever the score)",
    EXIT_BELOW: "the score is below --fail-under, or grading failed on the service",
    EXIT_REFUSED: "refused: a bad path, or the service refused (the message says why)",
    EXIT_UNREACHABLE: "the service cannot be reached, or you are not logged in, or it "
                      "refused your token",
    EXIT_PENDING: "not graded within --timeout (see it later with `grader status ID`)",
}


def exit_codes(meaning: dict[int, str]) -> str:
    """An epilog listing exit codes: "Exit codes: 0 done ...; 1 ...; 2 ..."."""
    return "Exit codes: " + "; ".join(f"{code} {text}" for code, text in meaning.items()) + "."


def flags_take_no_value() -> None:
    """Show boolean flags (``--show-hidden``, ``--json``, ``--help``) without a type."""
    shown = getattr(TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "_flags_fixed", False):
        return  # another Typer: nothing to change, or already changed

    def display_type_rich(self: TyperOption, ctx: click.Context) -> str | None:
        if self.is_flag and not self.count:
            return None
        return shown(self, ctx)

    display_type_rich._flags_fixed = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


def below(score: float, max_score: float, fail_under: float | None) -> str | None:
    """Why a score fails ``--fail-under`` (a percent of the maximum); None when it passes."""
    if fail_under is None:
        return None
    percent = 100.0 * score / max_score if max_score else 0.0
    if percent + 1e-9 >= fail_under:
        return None
    return (f"score {score:g} / {max_score:g} ({percent:.1f}%) is below --fail-under "
            f"{fail_under:g}%")
