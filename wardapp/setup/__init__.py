"""First run: the commune from the official list, its keys, certificate, checklist and first admin."""
