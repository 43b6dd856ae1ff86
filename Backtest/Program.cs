// The backtest command: docs/BACKTEST.md. The replay itself is being built (issue 14).
Console.Error.WriteLine("backtest: not built yet");
return 2;
