// The daily run (issue 6): filled in by reports/run.h.
