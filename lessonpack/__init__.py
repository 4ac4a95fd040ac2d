"""lessonpack: Markdown safeguarding lessons to printable, accessible PDFs."""

__version__ = "0.1.0"
GENERATOR = f"lessonpack {__version__}"

__all__ = ["__version__", "GENERATOR"]
