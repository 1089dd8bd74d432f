"""cfeval: evaluate how child-friendly a community is."""
__version__ = "0.1.0"
