"""Le service cellule : application web, API JSON, CLI, base de données, campagnes et registre."""
