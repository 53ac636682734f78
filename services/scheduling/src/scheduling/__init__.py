"""Scheduling: service workflows and callouts, sent through notifications when due."""
