"""What other apps tell the engine about the message kinds they own.

The outbox knows kinds by name and category only. An app that owns a kind (surveys owns the
survey mails; campaigns will own theirs) registers, in its AppConfig.ready(), what the engine
needs from it: the extra template context of its mails, and a batch check of which planned
messages are no longer wanted. The engine imports none of those apps, so the import direction
stays customers <- followups <- surveys.
"""

from collections.abc import Callable
from dataclasses import dataclass

from followups.models import Message

ContextBuilder = Callable[[Message, bool], dict]  # (message, preview) -> extra context
UnwantedCheck = Callable[[list[Message]], dict[int, str]]  # messages -> {message id: Reason}
# A kind that renders its whole mail itself (staff mail, e.g. reports' weekly digest): message ->
# an emails.Rendered, images included. Not cached here: see `render_own`.
OwnRenderer = Callable[[Message], object]


@dataclass(frozen=True)
class KindHooks:
    context: ContextBuilder | None = None
    unwanted: UnwantedCheck | None = None
    render: OwnRenderer | None = None


_hooks: dict[str, KindHooks] = {}


def register(
    kind: str,
    *,
    context: ContextBuilder | None = None,
    unwanted: UnwantedCheck | None = None,
    render: OwnRenderer | None = None,
) -> None:
    _hooks[kind] = KindHooks(context=context, unwanted=unwanted, render=render)


def own_renderer(kind: str) -> OwnRenderer | None:
    hooks = _hooks.get(kind)
    return hooks.render if hooks else None


def extra_context(message: Message, *, preview: bool = False) -> dict:
    hooks = _hooks.get(message.kind)
    return hooks.context(message, preview) if hooks and hooks.context else {}


def unwanted(messages: list[Message]) -> dict[int, str]:
    """Which of these messages their owners no longer want sent, and why: one call per kind."""
    found: dict[int, str] = {}
    for kind, hooks in _hooks.items():
        mine = [m for m in messages if m.kind == kind]
        if mine and hooks.unwanted:
            found.update(hooks.unwanted(mine))
    return found
