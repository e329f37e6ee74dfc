"""Evaluating detections without an account: test records, threshold windows, backtest
(serial and parallel), its reports, ATT&CK coverage."""
