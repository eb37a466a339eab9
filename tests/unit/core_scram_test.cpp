// SCRAM-SHA-256 tests: being written
