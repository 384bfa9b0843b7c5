"""What a check produces: report data, and its renderings (text, Markdown, HTML, JSON, diagrams)."""
