// Benchmarks of alerting/ (being written).
