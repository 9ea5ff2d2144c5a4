"""danvan: posts the slogans of a Dân vận campaign plan as branded cards on a schedule."""

__version__ = "0.1.0"
