"""Demo data: the demo commune Phường Hải Châu (Đà Nẵng), its users and 90 days of history."""
