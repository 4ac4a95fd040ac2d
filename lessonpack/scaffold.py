"""`lessonpack new`: a lesson skeleton with every section and TODO markers."""
