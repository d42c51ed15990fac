"""Transcribe: a self-hostable transcription backend."""

__version__ = "0.1.0"
