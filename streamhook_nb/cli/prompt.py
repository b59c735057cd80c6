"""A yes/no question on the terminal, where Ctrl-D means no (not a traceback)."""

from __future__ import annotations


def confirmed(question: str) -> bool:
    """True only for an answer of y or yes; end of input (Ctrl-D) is a no."""
    try:
        answer = input(question)
    except EOFError:
        print()  # end the prompt's line
        return False
    return answer.strip().lower() in ("y", "yes")
