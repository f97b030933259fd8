return await SmartFactoryEdge.Gateway.Cli.SfeCommand.RunAsync(args);
