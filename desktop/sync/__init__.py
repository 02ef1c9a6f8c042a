"""The Qt-free sync engine: transport, credentials, push/pull, inbox and the background loop."""
