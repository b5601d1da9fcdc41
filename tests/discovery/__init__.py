"""UDP discovery tests: emulated devices in a network namespace this test suite creates."""
