"""Output files written atomically, and the progress bar of long passes."""
