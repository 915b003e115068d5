"""security/run_slither.py's triage keying, on fake findings (Slither does not run)."""
