"""Fitted statistics: moments and sketches accumulated once, merged, saved, and applied later."""
