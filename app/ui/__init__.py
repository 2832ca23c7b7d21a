"""Display only: template filters and globals, tables and formatting. Nothing in the domain imports this package."""
