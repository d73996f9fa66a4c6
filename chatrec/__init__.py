"""chatrec."""
