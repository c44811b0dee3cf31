using Cortex.Experiments.Cli;

return CortexCommandLine.Run(args);
