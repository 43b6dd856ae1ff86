using Arbitrage.Orleans.Cli;

return await ArbCli.RunAsync(args, CliContext.ForProcess());
