"""afn-match core library: pure, typed, no web framework nor database driver."""

__version__ = "0.1.0"
