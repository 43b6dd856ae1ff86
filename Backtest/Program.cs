// The backtest command: docs/BACKTEST.md.
using Arbitrage.Orleans.Backtest;
using Arbitrage.Orleans.Backtest.Policies;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var registry = PolicyRegistry.CreateDefault();
return new BacktestCommand(registry, Console.Out, Console.Error, TimeProvider.System).Run(args, cancel.Token);
