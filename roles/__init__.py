"""The role cabinets, one blueprint package each."""
