using Cortex.Experiments.Cli;

// An exception on a thread of its own (none is expected: the CPU workers hand theirs to the caller) is a bug like any
// other: one line and a trace file, not the runtime's dump.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    var error = e.ExceptionObject as Exception ?? new InvalidOperationException($"a thread failed with {e.ExceptionObject}");
    Console.Error.WriteLine(InternalErrorReport.Write(error, args));
    Environment.Exit(ExitCodes.InternalError);
};
return CortexCommandLine.Run(args);
