"""Role-RL."""
