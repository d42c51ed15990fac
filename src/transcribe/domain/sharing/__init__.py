"""Public read-only links to a job's transcript and recording (`/s/{token}` in the web app).

This package may use jobs, transcripts and files; none of those knows it exists.
"""
