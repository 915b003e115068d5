"""Program administration: what `svc admin …` calls.

    recovery   wallet recovery: start, cancel and complete moving a lost wallet's points to a new
               address; its status, and every recovery read from the token's events
"""
