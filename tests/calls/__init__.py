"""Tests of video calls: the call record, its rules and the /call namespace."""
