"""Goals and KPIs: one TOML file per goal in the ledger's ``goals/`` folder."""
