"""Tests of seminar-qa."""
