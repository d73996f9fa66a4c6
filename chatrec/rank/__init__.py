"""rank: blend every source's scores, apply hard filters, diversify (engine, blend, filters)."""
