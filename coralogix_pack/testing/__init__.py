"""Offline testing: test records per detection (`pack test`) and log replay (`pack backtest`)."""
