"""Built-in environment profiles (YAML files in this folder; shipped in the wheel)."""
