"""Queries over requirements: filters, text search, sorting and the
title-similarity check that finds likely duplicates."""
