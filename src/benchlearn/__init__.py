"""benchlearn — benchmarking and benchlearning of Danish municipalities' employment efforts.

Results first, honest about uncertainty, built for learning from comparable
municipalities ("fra benchmarking til benchlearning").
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("benchlearn")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
