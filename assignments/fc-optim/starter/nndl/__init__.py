"""Neural network building blocks for the fully connected net homework."""
