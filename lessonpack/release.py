"""`lessonpack release`."""
