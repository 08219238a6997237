"""The portal's pages, one module per area (sign-in, courses, assignments, submissions)."""
