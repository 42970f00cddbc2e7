"""Adapters for the daemons that embed the reactor."""
