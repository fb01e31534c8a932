"""The Branches pane: the selected environment's database branches as a tree of parent links."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..actions import bindings_for


def human_size(n: float | None) -> str:
    if n is None:
        return "–"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def human_age(seconds: float) -> str:
    seconds = max(0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def branch_label(b: dict, now: float, colours: dict[str, str] | None = None) -> Text:
    """``● name  12.0 MB · 2h · ttl 1d`` with the active branch marked and snapshots flagged."""
    colours = colours or {}
    if b.get("active"):
        mark = Text("●", style=colours.get("success", "green"))
    elif b.get("is_snapshot"):
        mark = Text("◆", style=colours.get("accent", "yellow"))
    else:
        mark = Text("○")
    facts = [human_size(b.get("size_bytes"))] if "size_bytes" in b else []
    if b.get("created_at"):
        facts.append(human_age(now - b["created_at"]))
    if b.get("expires_at"):
        facts.append("ttl " + human_age(b["expires_at"] - now))
    return Text.assemble(mark, " ", (b["name"], "bold"), " ", (" · ".join(facts), "dim"))


class BranchesTree(Tree[str]):
    """Branches of one environment; node data is the branch name."""

    BINDINGS = bindings_for("branches")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("branches", id=id)
        self.show_root = False
        self.guide_depth = 2

    def show(self, branches: list[dict] | None, active: str | None = None, *, now: float | None = None) -> None:
        """Rebuild the tree; None means the core has no branching yet (only ``main`` is shown)."""
        keep = self.highlighted_branch
        self.clear()
        now = time.time() if now is None else now
        colours = self.app.get_css_variables()
        if branches is None:
            self.root.add_leaf(branch_label({"name": active or "main", "active": True}, now, colours),
                               data=active or "main")
            self.root.add_leaf(Text("branching not available", style="dim"))
            return
        by_name = {b["name"]: b for b in branches}
        nodes: dict[str, TreeNode[str]] = {}

        def add(b: dict) -> TreeNode[str]:
            if b["name"] in nodes:
                return nodes[b["name"]]
            parent_name = b.get("parent")
            parent = add(by_name[parent_name]) if parent_name in by_name and parent_name != b["name"] else self.root
            node = parent.add(branch_label(b, now, colours), data=b["name"], expand=True, allow_expand=False)
            nodes[b["name"]] = node
            return node

        for b in sorted(branches, key=lambda b: (b.get("created_at") or 0, b["name"])):
            add(b)
        target = nodes.get(keep or "") or next((nodes[b["name"]] for b in branches if b.get("active")), None)
        if target is not None:  # node lines exist only after the tree is laid out again
            self.call_after_refresh(self.move_cursor, target)

    @property
    def highlighted_branch(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None and node.data else None

    def select_branch(self, name: str) -> bool:
        """Move the cursor to branch ``name``; False when it is not in the tree."""
        found: list[TreeNode[str]] = []

        def walk(node: TreeNode[str]) -> None:
            for child in node.children:
                if child.data == name:
                    found.append(child)
                walk(child)

        walk(self.root)
        if found:
            self.move_cursor(found[0])
            if self.cursor_node is not found[0]:  # not laid out yet
                self.call_after_refresh(self.move_cursor, found[0])
        return bool(found)

    def branch_names(self) -> list[str]:
        out: list[str] = []

        def walk(node: TreeNode[str]) -> None:
            for child in node.children:
                if child.data:
                    out.append(child.data)
                walk(child)

        walk(self.root)
        return out
