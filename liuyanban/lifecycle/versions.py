"""Which content versions a message event changes (see ``core.versions``).

A message's event changes its own page, its board's page and the platform's
public lists (home, Open311). Pages and ETags name the same versions.
"""

from __future__ import annotations

from liuyanban.core import versions

from .models import Event, Message

PUBLIC_LISTS = "messages"


def message_name(tracking_number: str) -> str:
    return f"message:{tracking_number}"


def board_name(code: str) -> str:
    return f"board:{code}"


def on_message_event(sender: object, event: Event, **kwargs: object) -> None:
    """Receiver of ``message_event`` (in the change's transaction): new versions for its pages."""
    m = event.message if Event._meta.get_field("message").is_cached(event) else None
    if m is not None and Message._meta.get_field("board").is_cached(m):
        # The action handed over its message with its board: nothing to read again.
        message: tuple[str, str] | None = (m.tracking_number, m.board.code)
    else:
        message = (
            Message.objects.filter(pk=event.message_id)
            .values_list("tracking_number", "board__code")
            .first()
        )
    if message is None:
        return
    tracking, board = message
    versions.bump_for_change(PUBLIC_LISTS, message_name(tracking), board_name(board))
