"""HTTP routes, one module per group; the logic they call lives in the modules of `server`."""
