"""Benchmarks of the SPARQL endpoint against its peers; run by hand, not by the test suite.

python -m benchmarks.run --help
"""
