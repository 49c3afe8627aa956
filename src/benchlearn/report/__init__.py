"""Reports: downloadable tables, figures, the static site and the PDF profile."""
