"""Reporting back to the business: data assembly (stats, report data) kept
apart from rendering (markdown, HTML with inline SVG charts)."""
