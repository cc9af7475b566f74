"""Match evidence for caseworkers: explain a pair of records, review borderline pairs."""
