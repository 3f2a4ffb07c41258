// Benchmarks of quality/ (being written).
