// Benchmarks of performance/ (being written).
