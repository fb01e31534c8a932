"""The command palette provider: the registry's actions that make sense right now."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .actions import ACTIONS, Action


class ActionsProvider(Provider):
    """Offers every registry action whose requirements the app meets (context-aware)."""

    def _available(self) -> list[Action]:
        app = self.app
        return [a for a in ACTIONS if app.action_ready(a)]

    def _text(self, a: Action) -> str:
        return f"{a.group}: {a.title}"

    async def discover(self) -> Hits:
        for a in self._available():
            yield DiscoveryHit(self._text(a), partial(self.app.run_registry_action, a), help=a.key_display)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for a in self._available():
            text = self._text(a)
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self.app.run_registry_action, a),
                          help=a.key_display)
