"""The mass spectrum: histogram, peaks, range-file fit check, and the work the spectrum dock sends to the worker."""
