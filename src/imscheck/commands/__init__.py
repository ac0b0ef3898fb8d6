"""Commands beyond check and validate: browsing the knowledge, running rule examples."""
