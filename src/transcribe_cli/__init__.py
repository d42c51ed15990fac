"""`transcribe`: a command-line client for the Transcribe REST API (nothing but HTTP)."""
