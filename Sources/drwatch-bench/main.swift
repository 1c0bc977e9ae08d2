// Benchmarks: see README.
