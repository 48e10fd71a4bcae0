"""Where a kernel fill takes its reference price: the bar's open or its close (column ``ref``)."""

REF_OPEN = 0
REF_CLOSE = 1
