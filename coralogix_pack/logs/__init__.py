"""Reading exported Activity Logs: bytes in bounded pieces, record forms, the raw scan that
skips lines no query can match. Shared by backtest, preview and the emulator."""
