"""Offline evaluation (RecBole's protocol) and the engine latency benchmark."""
