"""Fieldbook desktop client: an offline-first CRM replica that syncs with the firm's server."""

__version__ = "0.1.0"
