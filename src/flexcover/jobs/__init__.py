"""Work that outlives a request: queued jobs taken by ``flexcover worker`` processes, and the
schedules of recurring work (month-end settlement)."""
