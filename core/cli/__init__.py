"""Headless CLI: a thin click layer over core.api. stdout is data, stderr is talk."""
