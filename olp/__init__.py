"""olp: Online Long-context Processing."""
