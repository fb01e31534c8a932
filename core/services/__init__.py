"""Service kinds: how each kind starts, is probed, and what URLs/env it exports."""
