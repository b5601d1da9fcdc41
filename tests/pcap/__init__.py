"""Tests of passive capture analysis (trueoem.sources.pcap)."""
